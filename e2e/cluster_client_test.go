package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// node is one running `assistflow serve`, spoken to over HTTP. Its
// methods return errors instead of failing the test, so that many
// goroutines can use it at once.
type node struct {
	base   string
	mu     sync.Mutex
	tokens map[string]string
}

var clusterHTTP = &http.Client{Timeout: 90 * time.Second}

// do makes one JSON request; out (when non-nil) receives a JSON answer.
func (n *node) do(method, path, token string, body, out any, headers ...string) (int, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return 0, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, n.base+path, rd)
	if err != nil {
		return 0, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := clusterHTTP.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return resp.StatusCode, err
	}
	if out != nil && len(raw) > 0 && resp.StatusCode < 300 {
		if err := json.Unmarshal(raw, out); err != nil {
			return resp.StatusCode, fmt.Errorf("decode %s %s: %w: %s", method, path, err, raw)
		}
	}
	return resp.StatusCode, nil
}

// must is do for the test goroutine: a transport error fails the test.
func (n *node) must(t *testing.T, method, path, token string, body, out any, headers ...string) int {
	t.Helper()
	st, err := n.do(method, path, token, body, out, headers...)
	require.NoError(t, err)
	return st
}

// login signs a demo user in on this node, once.
func (n *node) login(t *testing.T, user string) string {
	t.Helper()
	n.mu.Lock()
	defer n.mu.Unlock()
	if tok, ok := n.tokens[user]; ok {
		return tok
	}
	var res struct {
		Token string `json:"token"`
	}
	st := n.must(t, "POST", "/api/v1/auth/login", "", map[string]string{"username": user, "password": "demo"}, &res)
	require.Equal(t, http.StatusOK, st, "login %s on %s", user, n.base)
	if n.tokens == nil {
		n.tokens = map[string]string{}
	}
	n.tokens[user] = res.Token
	return res.Token
}

// inbox lists every open task of one stage the token's user may decide.
func (n *node) inbox(token, stage string) ([]task, error) {
	var all []task
	cursor := ""
	for {
		var page struct {
			Items      []task `json:"items"`
			NextCursor string `json:"next_cursor"`
		}
		path := "/api/v1/tasks?view=all&limit=200&stage=" + stage
		if cursor != "" {
			path += "&cursor=" + cursor
		}
		st, err := n.do("GET", path, token, nil, &page)
		if err != nil {
			return nil, err
		}
		if st != http.StatusOK {
			return nil, fmt.Errorf("inbox %s: status %d", stage, st)
		}
		all = append(all, page.Items...)
		if page.NextCursor == "" || len(page.Items) == 0 {
			return all, nil
		}
		cursor = page.NextCursor
	}
}
