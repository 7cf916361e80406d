package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/assistflow/assistflow/store"
	"github.com/stretchr/testify/require"
)

// The demo regions the route tests use.
const (
	village1 = "430721100201"
	village2 = "430721100202"
	township = "430721100"
)

// secondOfficer is a second village_officer of village 1, so two officials
// of one role can contend for one task.
const secondOfficer = "village_officer_b"

// routes is one running `dev` for the route tests. Sign-ins are limited to
// 20 a minute per client address, so every user signs in once, up front.
type routes struct {
	*dev
	tokens map[string]string
	ids    map[string]int64
}

// startRoutes seeds a data dir (demo data, the pilot chain with the given
// notice, a second village officer), starts `dev` and signs users in.
func startRoutes(t *testing.T, notice string, users ...string) *routes {
	t.Helper()
	dataDir := t.TempDir()
	prepare(t, dataDir, notice)
	ctx := context.Background()
	st := openDataDir(t, dataDir)
	_, err := st.CreateUser(ctx, store.NewUser{Username: secondOfficer, DisplayName: "林晓东", Password: "demo",
		Grants: []store.NewGrant{{Role: "village_officer", Region: village1}}})
	require.NoError(t, err)
	require.NoError(t, st.Close())
	r := &routes{dev: startDev(t, dataDir), tokens: map[string]string{}, ids: map[string]int64{}}
	for _, u := range users {
		var res struct {
			Token string `json:"token"`
			User  struct {
				ID int64 `json:"id"`
			} `json:"user"`
		}
		rp := r.send(t, "POST", "/api/v1/auth/login", "", map[string]string{"username": u, "password": "demo"})
		require.Equal(t, http.StatusOK, rp.Status, "login %s: %s", u, rp.Body)
		rp.decode(t, &res)
		r.tokens[u], r.ids[u] = res.Token, res.User.ID
	}
	return r
}

// reply is one HTTP answer, kept whole.
type reply struct {
	Status int
	Header http.Header
	Body   []byte
}

func (rp reply) decode(t *testing.T, out any) {
	t.Helper()
	require.NoError(t, json.Unmarshal(rp.Body, out), "decode: %s", rp.Body)
}

// rawBody is a request body sent as it is, under its own content type.
type rawBody struct {
	contentType string
	data        []byte
}

// send makes one request as user ("" for none); body is JSON-encoded unless
// it is a rawBody. headers are name, value pairs.
func (r *routes) send(t *testing.T, method, path, user string, body any, headers ...string) reply {
	t.Helper()
	var rd io.Reader
	ctype := ""
	switch b := body.(type) {
	case nil:
	case rawBody:
		rd, ctype = bytes.NewReader(b.data), b.contentType
	default:
		data, err := json.Marshal(b)
		require.NoError(t, err)
		rd, ctype = bytes.NewReader(data), "application/json"
	}
	req, err := http.NewRequest(method, r.base+path, rd)
	require.NoError(t, err)
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if user != "" {
		tok, ok := r.tokens[user]
		require.True(t, ok, "user %s did not sign in", user)
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return reply{Status: resp.StatusCode, Header: resp.Header, Body: data}
}

// ok requires a 2xx status and decodes the JSON answer into out (when non-nil).
func (r *routes) ok(t *testing.T, status int, rp reply, out any) {
	t.Helper()
	require.Equal(t, status, rp.Status, "body: %s", rp.Body)
	require.True(t, strings.HasPrefix(rp.Header.Get("Content-Type"), "application/json"),
		"Content-Type %q", rp.Header.Get("Content-Type"))
	if out != nil {
		rp.decode(t, out)
	}
}

type problemDoc struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail"`
	Errors []struct {
		Field   string `json:"field"`
		Message string `json:"message"`
	} `json:"errors"`
}

// requireProblem requires an RFC 9457 answer with status; fields, when
// given, must be exactly the fields the problem names.
func requireProblem(t *testing.T, rp reply, status int, fields ...string) problemDoc {
	t.Helper()
	require.Equal(t, status, rp.Status, "body: %s", rp.Body)
	require.True(t, strings.HasPrefix(rp.Header.Get("Content-Type"), "application/problem+json"),
		"Content-Type %q, body %s", rp.Header.Get("Content-Type"), rp.Body)
	var p problemDoc
	rp.decode(t, &p)
	require.Equal(t, status, p.Status)
	require.NotEmpty(t, p.Title)
	if len(fields) > 0 {
		got := make([]string, 0, len(p.Errors))
		for _, e := range p.Errors {
			got = append(got, e.Field)
			require.NotEmpty(t, e.Message, "field %s", e.Field)
		}
		require.ElementsMatch(t, fields, got, "body: %s", rp.Body)
	}
	return p
}

// taskDoc is a task as the inbox shows it.
type taskDoc struct {
	ID       int64    `json:"id"`
	CaseID   int64    `json:"case_id"`
	Stage    string   `json:"stage"`
	Role     string   `json:"role"`
	Region   string   `json:"region"`
	Actions  []string `json:"actions"`
	Assignee *int64   `json:"assignee"`
	Delegate *int64   `json:"delegate"`
}

type inboxDoc struct {
	Items      []taskDoc        `json:"items"`
	NextCursor *string          `json:"next_cursor"`
	Counts     map[string]int64 `json:"counts"`
}

func (r *routes) inbox(t *testing.T, user, query string) inboxDoc {
	t.Helper()
	var in inboxDoc
	r.ok(t, http.StatusOK, r.send(t, "GET", "/api/v1/tasks?"+query, user, nil), &in)
	return in
}

// waitTask waits for the open task of a stage of a case that user sees.
func (r *routes) waitTask(t *testing.T, user string, caseID int64, stage string) taskDoc {
	t.Helper()
	var found taskDoc
	require.Eventually(t, func() bool {
		for _, tk := range r.inbox(t, user, fmt.Sprintf("view=all&case_id=%d", caseID)).Items {
			if tk.Stage == stage {
				found = tk
				return true
			}
		}
		return false
	}, 15*time.Second, 100*time.Millisecond, "%s never saw a %s task of case %d", user, stage, caseID)
	return found
}

// submitCase files a valid case; key is its Idempotency-Key.
func (r *routes) submitCase(t *testing.T, user, program, region, key string) caseView {
	t.Helper()
	var c caseView
	rp := r.send(t, "POST", "/api/v1/cases", user, map[string]any{"program": program, "region": region,
		"channel": "self_report", "household": household("赵六")}, "Idempotency-Key", key)
	r.ok(t, http.StatusCreated, rp, &c)
	return c
}

// getCase reads a case as user, requiring 200.
func (r *routes) getCase(t *testing.T, user string, id int64) caseView {
	t.Helper()
	var c caseView
	r.ok(t, http.StatusOK, r.send(t, "GET", fmt.Sprintf("/api/v1/cases/%d", id), user, nil), &c)
	return c
}

// decide posts a decision on a task as user.
func (r *routes) decide(t *testing.T, user string, taskID int64, body any) reply {
	t.Helper()
	return r.send(t, "POST", fmt.Sprintf("/api/v1/tasks/%d/decision", taskID), user, body)
}

// snapshot is what a rejected request must leave as it was: the case as
// reader sees it and, per user, that user's tasks of the case.
func (r *routes) snapshot(t *testing.T, caseID int64, reader string, inboxUsers ...string) []string {
	t.Helper()
	rp := r.send(t, "GET", fmt.Sprintf("/api/v1/cases/%d", caseID), reader, nil)
	require.Equal(t, http.StatusOK, rp.Status, "body: %s", rp.Body)
	out := []string{string(rp.Body)}
	for _, u := range inboxUsers {
		rp := r.send(t, "GET", fmt.Sprintf("/api/v1/tasks?view=all&case_id=%d", caseID), u, nil)
		require.Equal(t, http.StatusOK, rp.Status, "body: %s", rp.Body)
		out = append(out, u+": "+string(rp.Body))
	}
	return out
}

// upload sends data as the multipart field "file".
func (r *routes) upload(t *testing.T, user string, caseID int64, name string, data []byte) reply {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	fw, err := w.CreateFormFile("file", name)
	require.NoError(t, err)
	_, err = fw.Write(data)
	require.NoError(t, err)
	require.NoError(t, w.Close())
	return r.send(t, "POST", fmt.Sprintf("/api/v1/cases/%d/attachments", caseID), user,
		rawBody{contentType: w.FormDataContentType(), data: buf.Bytes()})
}

// pngBytes is a small real PNG image.
func pngBytes(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 8, 8))
	for i := range 8 {
		img.Set(i, i, color.RGBA{R: 200, A: 255})
	}
	var buf bytes.Buffer
	require.NoError(t, png.Encode(&buf, img))
	return buf.Bytes()
}

// caseIDs lists the ids of a case list answer.
func caseIDs(t *testing.T, rp reply) ([]int64, *string) {
	t.Helper()
	var list struct {
		Items []struct {
			ID int64 `json:"id"`
		} `json:"items"`
		NextCursor *string `json:"next_cursor"`
	}
	require.Equal(t, http.StatusOK, rp.Status, "body: %s", rp.Body)
	rp.decode(t, &list)
	ids := make([]int64, 0, len(list.Items))
	for _, c := range list.Items {
		ids = append(ids, c.ID)
	}
	return ids, list.NextCursor
}

// waitStage waits until a case's projection shows the stage as current:
// after that, nothing of the case changes until someone acts on it.
func (r *routes) waitStage(t *testing.T, user string, caseID int64, stage string) caseView {
	t.Helper()
	var c caseView
	require.Eventually(t, func() bool {
		c = r.getCase(t, user, caseID)
		for _, s := range c.CurrentStages {
			if s.ID == stage {
				return true
			}
		}
		return false
	}, 15*time.Second, 100*time.Millisecond, "case %d never reached stage %s", caseID, stage)
	return c
}

// timelineCount counts the timeline entries of a stage with an action.
func timelineCount(c caseView, stage, action string) int {
	n := 0
	for _, e := range c.Timeline {
		if e.Stage == stage && e.Action == action {
			n++
		}
	}
	return n
}

// rejection is one request that must fail and change nothing.
type rejection struct {
	name   string
	user   string
	path   string
	body   any
	status int
	fields []string
}

// requireRejected sends each request and requires its problem and that
// the snapshot taken by state is the same afterwards.
func requireRejected(t *testing.T, r *routes, method string, state func(t *testing.T) []string, cases []rejection) {
	t.Helper()
	before := state(t)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			requireProblem(t, r.send(t, method, tc.path, tc.user, tc.body), tc.status, tc.fields...)
			require.Equal(t, before, state(t), "a rejected request changed the case or its tasks")
		})
	}
}

// longText is n runes of Chinese text.
func longText(n int) string { return strings.Repeat("理", n) }

// caseURL is the path of a case or of something under it.
func caseURL(id int64, rest ...string) string {
	return fmt.Sprintf("/api/v1/cases/%d", id) + strings.Join(rest, "")
}

// taskURL is the path of an action on a task.
func taskURL(id int64, action string) string { return fmt.Sprintf("/api/v1/tasks/%d/%s", id, action) }

// taskIDs lists the ids of an inbox page.
func taskIDs(in inboxDoc) []int64 {
	var ids []int64
	for _, t := range in.Items {
		ids = append(ids, t.ID)
	}
	return ids
}

// taskAction posts to a task route and decodes the task it answers with.
func (r *routes) taskAction(t *testing.T, user string, id int64, action string, body any) taskDoc {
	t.Helper()
	var tk taskDoc
	r.ok(t, http.StatusOK, r.send(t, "POST", taskURL(id, action), user, body), &tk)
	require.Equal(t, id, tk.ID)
	return tk
}
