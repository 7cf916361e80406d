package api

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// OIDC verifies bearer tokens issued by an external identity provider and
// maps them to local users by a claim (preferred_username by default).
// Keys come from the issuer's JWKS, cached and refetched at most once a
// minute when a token names an unknown key id.
type OIDC struct {
	Issuer        string
	JWKSURL       string
	Audience      string
	UsernameClaim string
	Client        *http.Client

	mu      sync.Mutex
	keys    map[string]any
	fetched time.Time
}

// Username verifies raw and returns the local username it names.
func (o *OIDC) Username(ctx context.Context, raw string, now func() time.Time) (string, error) {
	opts := []jwt.ParserOption{jwt.WithValidMethods([]string{"RS256", "RS384", "RS512", "ES256", "ES384"}),
		jwt.WithIssuer(o.Issuer), jwt.WithExpirationRequired(), jwt.WithTimeFunc(now)}
	if o.Audience != "" {
		opts = append(opts, jwt.WithAudience(o.Audience))
	}
	claims := jwt.MapClaims{}
	_, err := jwt.ParseWithClaims(raw, claims, func(t *jwt.Token) (any, error) {
		kid, _ := t.Header["kid"].(string)
		return o.key(ctx, kid)
	}, opts...)
	if err != nil {
		return "", err
	}
	claim := o.UsernameClaim
	if claim == "" {
		claim = "preferred_username"
	}
	name, _ := claims[claim].(string)
	if name == "" {
		return "", fmt.Errorf("token has no %q claim", claim)
	}
	return name, nil
}

func (o *OIDC) key(ctx context.Context, kid string) (any, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if k, ok := o.keys[kid]; ok {
		return k, nil
	}
	if time.Since(o.fetched) < time.Minute && o.keys != nil {
		return nil, fmt.Errorf("unknown key id %q", kid)
	}
	keys, err := fetchJWKS(ctx, o.client(), o.JWKSURL)
	o.fetched = time.Now()
	if err != nil {
		return nil, err
	}
	o.keys = keys
	if k, ok := keys[kid]; ok {
		return k, nil
	}
	return nil, fmt.Errorf("unknown key id %q", kid)
}

func (o *OIDC) client() *http.Client {
	if o.Client != nil {
		return o.Client
	}
	return &http.Client{Timeout: 10 * time.Second}
}

type jwk struct {
	Kty, Kid, N, E, Crv, X, Y string
}

// fetchJWKS reads RSA and P-256/P-384 keys from a JWKS document.
func fetchJWKS(ctx context.Context, c *http.Client, url string) (map[string]any, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, fmt.Errorf("fetch jwks: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("fetch jwks: %s", resp.Status)
	}
	var doc struct{ Keys []jwk }
	if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil {
		return nil, fmt.Errorf("decode jwks: %w", err)
	}
	out := map[string]any{}
	for _, k := range doc.Keys {
		if pub, err := k.public(); err == nil {
			out[k.Kid] = pub
		}
	}
	return out, nil
}

func (k jwk) public() (any, error) {
	b := func(s string) *big.Int {
		raw, _ := base64.RawURLEncoding.DecodeString(s)
		return new(big.Int).SetBytes(raw)
	}
	switch k.Kty {
	case "RSA":
		return &rsa.PublicKey{N: b(k.N), E: int(b(k.E).Int64())}, nil
	case "EC":
		curve := map[string]elliptic.Curve{"P-256": elliptic.P256(), "P-384": elliptic.P384()}[k.Crv]
		if curve == nil {
			return nil, errors.New("unsupported curve")
		}
		return &ecdsa.PublicKey{Curve: curve, X: b(k.X), Y: b(k.Y)}, nil
	}
	return nil, errors.New("unsupported key type")
}
