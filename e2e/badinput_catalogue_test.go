package e2e

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

const appJSON = "application/json"

// badCatalogue lists the bad requests: malformed and mistyped JSON,
// missing and unknown fields, oversize bodies and uploads, invalid ID
// numbers and region codes, unknown programs and actions, SQL and HTML
// injection, a 10,000-character comment, expired and forged tokens.
func badCatalogue(t *testing.T, secret string, caseID, taskID int64) []badRequest {
	sub := func(name string, status int, says string, change func(m map[string]any)) badRequest {
		return badRequest{name: name, method: "POST", path: "/api/v1/cases", user: "applicant", ctype: appJSON,
			body: submissionBody(t, change), headers: []string{"Idempotency-Key", "bad-" + name}, status: status, says: says}
	}
	decision := fmt.Sprintf("/api/v1/tasks/%d/decision", taskID)
	decide := func(name string, status int, says string, body []byte) badRequest {
		return badRequest{name: name, method: "POST", path: decision, user: "township_approver", ctype: appJSON,
			body: body, status: status, says: says}
	}
	me := func(name, tok, says string) badRequest {
		return badRequest{name: name, method: "GET", path: "/api/v1/me", user: "token:" + tok, status: http.StatusUnauthorized, says: says}
	}
	upload, uploadType := oversizeUpload(t)
	return []badRequest{
		{name: "malformed JSON", method: "POST", path: "/api/v1/cases", user: "applicant", ctype: appJSON,
			body: []byte(`{"program": "linshi",`), headers: []string{"Idempotency-Key", "bad-malformed"},
			status: http.StatusBadRequest, says: "malformed JSON"},
		{name: "not JSON at all", method: "POST", path: "/api/v1/cases", user: "applicant", ctype: "text/plain",
			body: []byte("program=linshi"), headers: []string{"Idempotency-Key", "bad-text"},
			status: http.StatusUnsupportedMediaType, says: "application/json"},
		sub("wrong type", http.StatusUnprocessableEntity, "program", func(m map[string]any) { m["program"] = 42 }),
		sub("wrong nested type", http.StatusUnprocessableEntity, "household.members", func(m map[string]any) {
			m["household"].(map[string]any)["members"] = "张三"
		}),
		sub("missing fields", http.StatusUnprocessableEntity, "region", func(m map[string]any) { delete(m, "region"); delete(m, "household") }),
		sub("unknown field", http.StatusUnprocessableEntity, "is_admin", func(m map[string]any) { m["is_admin"] = true }),
		{name: "missing idempotency key", method: "POST", path: "/api/v1/cases", user: "applicant", ctype: appJSON,
			body: submissionBody(t, func(map[string]any) {}), status: http.StatusUnprocessableEntity, says: "Idempotency-Key"},
		{name: "oversize body", method: "POST", path: "/api/v1/cases", user: "applicant", ctype: appJSON,
			body:    submissionBody(t, func(m map[string]any) { m["pad"] = strings.Repeat("x", 2<<20) }),
			headers: []string{"Idempotency-Key", "bad-oversize"}, status: http.StatusRequestEntityTooLarge, says: "1 MB"},
		{name: "oversize upload", method: "POST", path: fmt.Sprintf("/api/v1/cases/%d/attachments", caseID),
			user: "applicant", ctype: uploadType, body: upload, status: http.StatusRequestEntityTooLarge, says: "10 MB"},
		sub("invalid ID number", http.StatusUnprocessableEntity, "members[0].id_number", func(m map[string]any) {
			member(m, "id_number", "430721198001010001")
		}),
		sub("invalid region code", http.StatusUnprocessableEntity, "region", func(m map[string]any) { m["region"] = "999999999999" }),
		sub("unknown program", http.StatusUnprocessableEntity, "program", func(m map[string]any) { m["program"] = "lottery" }),
		sub("SQL injection in a field", http.StatusUnprocessableEntity, "region", func(m map[string]any) {
			m["region"] = "430721100201' OR '1'='1"
		}),
		sub("HTML injection in a name", http.StatusUnprocessableEntity, "household.head_name", func(m map[string]any) {
			m["household"].(map[string]any)["head_name"] = `<script>alert("x")</script>`
		}),
		{name: "SQL injection in a query", method: "GET", path: "/api/v1/cases?region=430721%27%20OR%20%271%27%3D%271",
			user: "county_approver", status: http.StatusUnprocessableEntity, says: "region"},
		{name: "SQL injection in sign-in", method: "POST", path: "/api/v1/auth/login", ctype: appJSON,
			body: js(map[string]string{"username": "admin' --", "password": "' OR 1=1 --"}), status: http.StatusUnauthorized, says: "password"},
		decide("unknown action", http.StatusUnprocessableEntity, "action", js(map[string]string{"action": "explode"})),
		decide("10,000-character comment", http.StatusUnprocessableEntity, "comment",
			js(map[string]string{"action": "approve", "comment": strings.Repeat("评", 10000)})),
		decide("decision with a wrong type", http.StatusUnprocessableEntity, "action", []byte(`{"action": ["approve"]}`)),
		{name: "unknown task action", method: "POST", path: fmt.Sprintf("/api/v1/tasks/%d/explode", taskID),
			user: "township_approver", ctype: appJSON, body: []byte(`{}`), status: http.StatusNotFound, says: "no such route"},
		{name: "task id not a number", method: "POST", path: "/api/v1/tasks/1%20OR%201=1/decision", user: "township_approver",
			ctype: appJSON, body: js(map[string]string{"action": "approve"}), status: http.StatusNotFound, says: "not found"},
		{name: "bad paging", method: "GET", path: "/api/v1/cases?limit=-1", user: "applicant",
			status: http.StatusUnprocessableEntity, says: "limit"},
		{name: "reveal without reason", method: "POST", path: fmt.Sprintf("/api/v1/cases/%d/reveal", caseID),
			user: "township_approver", ctype: appJSON, body: []byte(`{"reason": "  "}`), status: http.StatusUnprocessableEntity, says: "reason"},
		{name: "reveal with a 10,000-character reason", method: "POST", path: fmt.Sprintf("/api/v1/cases/%d/reveal", caseID),
			user: "township_approver", ctype: appJSON, body: js(map[string]string{"reason": strings.Repeat("查", 10000)}),
			status: http.StatusUnprocessableEntity, says: "reason"},
		me("expired token", hs256(t, secret, time.Now().Add(-time.Minute)), "expired"),
		me("token signed with another key", hs256(t, "not-the-server-secret-0123456789abcdef", time.Now().Add(time.Hour)), "signature"),
		me("unsigned token (alg none)", algNone(t), "algorithm"),
		me("garbage token", "not.a.token", "malformed"),
		{name: "no token", method: "GET", path: "/api/v1/me", status: http.StatusUnauthorized, says: "bearer token"},
	}
}

// dbFingerprint is, per application table, its row count and a SHA-256 of
// every row, read with SQL from the SQLite file. rate_limits is left out on
// purpose: counting refused sign-in attempts is its whole job.
func dbFingerprint(t *testing.T, dataDir string) map[string]string {
	t.Helper()
	ctx := context.Background()
	st := openDataDir(t, dataDir)
	defer st.Close()
	db := st.SQL()
	rows, err := db.QueryContext(ctx, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> 'rate_limits'")
	require.NoError(t, err)
	var tables []string
	for rows.Next() {
		var n string
		require.NoError(t, rows.Scan(&n))
		tables = append(tables, n)
	}
	require.NoError(t, rows.Close())
	out := map[string]string{}
	for _, table := range tables {
		rs, err := db.QueryContext(ctx, "SELECT * FROM "+table+" ORDER BY rowid")
		require.NoError(t, err)
		cols, _ := rs.Columns()
		h, n := sha256.New(), 0
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		for rs.Next() {
			require.NoError(t, rs.Scan(ptrs...))
			fmt.Fprintf(h, "%v\n", vals)
			n++
		}
		require.NoError(t, rs.Close())
		out[table] = fmt.Sprintf("%d rows %s", n, hex.EncodeToString(h.Sum(nil))[:16])
	}
	return out
}
