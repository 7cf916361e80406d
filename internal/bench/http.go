package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"
)

// apiClient is one simulated user of the HTTP API.
type apiClient struct {
	base  string
	http  *http.Client
	token string
}

// newHTTP is the connection pool the simulated users share, sized so that
// no request waits for a connection.
func newHTTP(conns int) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns, tr.MaxIdleConnsPerHost = conns*4, conns*4
	return &http.Client{Transport: tr, Timeout: time.Minute}
}

// login signs in as a demo user.
func login(ctx context.Context, hc *http.Client, base, username, password string) (*apiClient, error) {
	c := &apiClient{base: base, http: hc}
	var out struct {
		Token string `json:"token"`
	}
	body := map[string]string{"username": username, "password": password}
	if err := c.call(ctx, "POST", "/api/v1/auth/login", body, &out, http.StatusOK); err != nil {
		return nil, fmt.Errorf("login %s: %w", username, err)
	}
	c.token = out.Token
	return c, nil
}

// call sends one request and decodes the answer; any status but want is an
// error carrying the problem body.
func (c *apiClient) call(ctx context.Context, method, path string, body, out any, want int, headers ...string) error {
	var rd io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != want {
		return fmt.Errorf("%s %s: status %d: %s", method, path, resp.StatusCode, raw)
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(raw, out)
}
