package e2e

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/require"
)

// badRequest is one entry of the catalogue: a request that must be refused
// with status, as problem+json that mentions says (a field or the trouble).
type badRequest struct {
	name, method, path string
	user               string // a demo user, or "token:<raw>" for a given bearer token
	ctype              string
	body               []byte
	headers            []string
	status             int
	says               string
}

// TestBadInputCatalogue sends every kind of bad input the API meets in the
// field and requires a 4xx application/problem+json naming what is wrong,
// with every application table unchanged afterwards.
func TestBadInputCatalogue(t *testing.T) {
	dataDir := t.TempDir()
	prepare(t, dataDir, "PT4S")
	d := startDev(t, dataDir)
	// dev keeps its token secret in the data dir: an expired token signed
	// with it is genuine in every other way.
	secret, err := os.ReadFile(filepath.Join(dataDir, "jwt.key"))
	require.NoError(t, err)
	c := newDrillClient(d)
	deadline := time.Now().Add(3 * time.Minute)
	caseID, err := c.submitLinshi("bad-input", deadline)
	require.NoError(t, err)
	taskID, err := c.openTaskAt(caseID, "urgent_aid", "township_approver", deadline)
	require.NoError(t, err)

	before := dbFingerprint(t, dataDir)
	catalogue := badCatalogue(t, strings.TrimSpace(string(secret)), caseID, taskID)
	for _, r := range catalogue {
		t.Run(r.name, func(t *testing.T) {
			status, hdr, p := sendBad(t, c, r)
			ctype := hdr.Get("Content-Type")
			require.Equal(t, r.status, status, "%s: %s", r.name, p.raw)
			require.Equal(t, "application/problem+json", ctype)
			require.Equal(t, "nosniff", hdr.Get("X-Content-Type-Options"), "security headers on refusals too")
			require.Equal(t, status, p.Status, "the problem repeats the status")
			require.Contains(t, strings.ToLower(p.text()), strings.ToLower(r.says), "the problem says what is wrong")
		})
	}
	after := dbFingerprint(t, dataDir)
	require.Equal(t, before, after, "a refused request changed the database")
	t.Logf("bad input: %d requests refused with 4xx problem+json; %d tables unchanged", len(catalogue), len(before))
	requireNoPersonalData(t, d)
}

// badProblem is the part of a problem document the catalogue checks.
type badProblem struct {
	Status int    `json:"status"`
	Title  string `json:"title"`
	Detail string `json:"detail"`
	Errors []struct {
		Field   string `json:"field"`
		Message string `json:"message"`
	} `json:"errors"`
	raw string
}

// text is everything a client reads in the problem.
func (p badProblem) text() string {
	s := p.Title + " " + p.Detail
	for _, e := range p.Errors {
		s += " " + e.Field + ": " + e.Message
	}
	return s
}

func sendBad(t *testing.T, c *drillClient, r badRequest) (int, http.Header, badProblem) {
	t.Helper()
	d := c.cur.Load()
	req, err := http.NewRequest(r.method, d.base+r.path, bytes.NewReader(r.body))
	require.NoError(t, err)
	if r.ctype != "" {
		req.Header.Set("Content-Type", r.ctype)
	}
	tok, given := strings.CutPrefix(r.user, "token:")
	if !given && r.user != "" {
		tok, err = c.token(d, r.user)
		require.NoError(t, err)
	}
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	for i := 0; i+1 < len(r.headers); i += 2 {
		req.Header.Set(r.headers[i], r.headers[i+1])
	}
	resp, err := c.http.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	p := badProblem{raw: string(raw)}
	require.NoError(t, json.Unmarshal(raw, &p), "not JSON: %s", raw)
	return resp.StatusCode, resp.Header, p
}

// submissionBody is a valid urgent-aid submission with one change applied.
func submissionBody(t *testing.T, change func(m map[string]any)) []byte {
	m := map[string]any{"program": "linshi", "region": "430721100201", "channel": "self_report",
		"household": household("吴小明")}
	change(m)
	b, err := json.Marshal(m)
	require.NoError(t, err)
	return b
}

func member(m map[string]any, field string, v any) {
	m["household"].(map[string]any)["members"].([]map[string]any)[0][field] = v
}

// hs256 signs claims with secret, as our own tokens are.
func hs256(t *testing.T, secret string, exp time.Time) string {
	tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.RegisteredClaims{Subject: "1", Issuer: "assistflow",
		IssuedAt: jwt.NewNumericDate(exp.Add(-time.Hour)), ExpiresAt: jwt.NewNumericDate(exp)}).SignedString([]byte(secret))
	require.NoError(t, err)
	return tok
}

// algNone is an unsigned token claiming to be user 1.
func algNone(t *testing.T) string {
	tok, err := jwt.NewWithClaims(jwt.SigningMethodNone, jwt.RegisteredClaims{Subject: "1", Issuer: "assistflow",
		ExpiresAt: jwt.NewNumericDate(time.Now().Add(time.Hour))}).SignedString(jwt.UnsafeAllowNoneSignatureType)
	require.NoError(t, err)
	return tok
}

// oversizeUpload is a multipart body one byte over the 10 MB upload limit.
func oversizeUpload(t *testing.T) ([]byte, string) {
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	f, err := w.CreateFormFile("file", "big.pdf")
	require.NoError(t, err)
	_, err = f.Write(append([]byte("%PDF-1.4\n"), bytes.Repeat([]byte("x"), 10<<20)...))
	require.NoError(t, err)
	require.NoError(t, w.Close())
	return b.Bytes(), w.FormDataContentType()
}

func js(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}
