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
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/assistflow/assistflow/process"
	"github.com/assistflow/assistflow/store"
	"github.com/stretchr/testify/require"
)

// The regions the authorization tests act in: village 1 and its neighbour
// in county 430721, and a village and township of the other county.
const (
	azVillage1    = "430721100201"
	azVillage2    = "430721100202"
	azTownship    = "430721100"
	azFarTownship = "430722100"
	azFarVillage  = "430722100201"
)

// azExtraUsers are added to the demo data: officials of county 430722 (so
// its cases reach every stage), the applicant there, a user of village 1
// for the admin routes to act on, and an admin of the province (the only
// kind of admin that may change the national policies).
var azExtraUsers = []store.NewUser{
	azUser("applicant_far", "applicant", azFarVillage),
	azUser("village_officer_far", "village_officer", azFarVillage),
	azUser("village_committee_far", "village_committee", azFarVillage),
	azUser("township_clerk_far", "township_clerk", azFarTownship),
	azUser("township_approver_far", "township_approver", azFarTownship),
	azUser("county_approver_far", "county_approver", "430722"),
	azUser("az_target", "applicant", azVillage1),
	azUser("admin_root", "admin", "430000"),
}

func azUser(name, role, region string) store.NewUser {
	return store.NewUser{Username: name, DisplayName: name, Password: store.DemoPassword,
		Grants: []store.NewGrant{{Role: role, Region: region}}}
}

// prepareAuthz seeds a data dir as prepare does (demo data, a second county
// approver, pilot chains in county 430721 whose notice lasts as given) plus
// azExtraUsers and a second grant of az_target. It returns ids: "user:NAME"
// for every user, "grant:in" (az_target's auditor grant in village 1) and
// "grant:out" (applicant_far's grant in county 430722).
func prepareAuthz(t *testing.T, dataDir, notice string) map[string]int64 {
	t.Helper()
	prepare(t, dataDir, notice)
	ctx := context.Background()
	st := openDataDir(t, dataDir)
	defer st.Close()
	ids := map[string]int64{}
	for _, u := range azExtraUsers {
		made, err := st.CreateUser(ctx, u)
		require.NoError(t, err)
		ids["user:"+u.Username] = made.ID
	}
	for _, u := range append(store.DemoUsers, store.NewUser{Username: "county_approver2"}) {
		got, err := st.UserByUsername(ctx, u.Username)
		require.NoError(t, err)
		ids["user:"+u.Username] = got.ID
	}
	g, _, err := st.AddGrant(ctx, ids["user:az_target"], store.NewGrant{Role: "auditor", Region: azVillage1})
	require.NoError(t, err)
	ids["grant:in"] = g.ID
	far, err := st.GrantsOf(ctx, ids["user:applicant_far"])
	require.NoError(t, err)
	require.Len(t, far, 1)
	ids["grant:out"] = far[0].ID
	ids["user:in"], ids["user:out"] = ids["user:az_target"], ids["user:applicant_far"]
	prepareDefinitions(t, st, ids)
	return ids
}

// prepareDefinitions adds a draft "az-pilot" and two pending activation
// requests by admin_root (pilot version 2 of monitoring-identification in
// village 202: "request:in", and in the far village: "request:out").
func prepareDefinitions(t *testing.T, st *store.Store, ids map[string]int64) {
	t.Helper()
	ctx := context.Background()
	_, err := st.CreateDraft(ctx, "az-pilot", azDefinition(t, "az-pilot"), nil)
	require.NoError(t, err)
	for scope, code := range map[string]string{"in": azVillage2, "out": azFarVillage} {
		r, err := st.Region(ctx, code)
		require.NoError(t, err)
		req, err := st.CreateRequest(ctx, store.DefinitionRequest{Kind: store.RequestActivate, Key: "monitoring-identification",
			Version: 2, RegionCode: code, RegionPath: r.Path, RequestedBy: ids["user:admin_root"]})
		require.NoError(t, err)
		ids["request:"+scope] = req.ID
	}
}

// azDefinition is the built-in monitoring chain under another key.
func azDefinition(t *testing.T, key string) []byte {
	t.Helper()
	for _, d := range process.Builtins() {
		if d.Key == "monitoring-identification" {
			d.Key = key
			return d.JSON()
		}
	}
	t.Fatal("no built-in monitoring-identification")
	return nil
}

// azWorld is one running dev with named objects ("case:a1", "task:vo1", …)
// and a token per user.
type azWorld struct {
	*dev
	ids    map[string]int64
	bearer map[string]string
}

// startAuthz starts dev on a prepared data dir and signs every user in
// once (sign-ins are rate-limited per account).
func startAuthz(t *testing.T, dataDir string, ids map[string]int64) *azWorld {
	t.Helper()
	w := &azWorld{dev: startDev(t, dataDir), ids: ids, bearer: map[string]string{"anonymous": ""}}
	for key := range ids {
		if name, ok := strings.CutPrefix(key, "user:"); ok && name != "in" && name != "out" {
			w.bearer[name] = w.login(name)
		}
	}
	return w
}

// id returns a named object, failing when setup did not make it.
func (w *azWorld) id(t *testing.T, key string) int64 {
	t.Helper()
	v, ok := w.ids[key]
	require.True(t, ok, "no object %q was set up", key)
	return v
}

// azRequest is one request of a matrix row or a scenario.
type azRequest struct {
	path    string
	body    any    // sent as JSON unless raw is set
	raw     []byte // sent as is, with ctype
	ctype   string
	headers []string
	listed  func(raw []byte) bool // list routes: whether the row's object is in the answer
	batch   bool                  // the answer's first result stands for it
}

// azAnswer is one HTTP answer, kept whole.
type azAnswer struct {
	status int
	body   []byte
}

func (a azAnswer) String() string {
	b := a.body
	if len(b) > 300 {
		b = append(b[:300:300], "…"...)
	}
	return fmt.Sprintf("%d %s", a.status, b)
}

// send makes one request as user ("anonymous" sends no token).
func (w *azWorld) send(t *testing.T, method, user string, r azRequest) azAnswer {
	t.Helper()
	tok, ok := w.bearer[user]
	require.True(t, ok, "user %q is not signed in", user)
	var rd io.Reader
	ctype := r.ctype
	switch {
	case r.raw != nil:
		rd = bytes.NewReader(r.raw)
	case r.body != nil:
		b, err := json.Marshal(r.body)
		require.NoError(t, err)
		rd, ctype = bytes.NewReader(b), "application/json"
	}
	req, err := http.NewRequest(method, w.base+r.path, rd)
	require.NoError(t, err)
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	for i := 0; i+1 < len(r.headers); i += 2 {
		req.Header.Set(r.headers[i], r.headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return azAnswer{status: resp.StatusCode, body: body}
}

// expect sends a JSON body (or none) and requires the status.
func (w *azWorld) expect(t *testing.T, method, path, user string, body any, want int) azAnswer {
	t.Helper()
	a := w.send(t, method, user, azRequest{path: path, body: body})
	require.Equal(t, want, a.status, "%s %s as %s: %s", method, path, user, a)
	return a
}

// submit files a case as user (self report for applicants, cadre
// screening for officials) and returns its id.
func (w *azWorld) submit(t *testing.T, user, program, region, key string, hh map[string]any) int64 {
	t.Helper()
	if hh == nil {
		hh = household("周" + key)
	}
	a := w.send(t, "POST", user, azRequest{path: "/api/v1/cases", headers: []string{"Idempotency-Key", key},
		body: map[string]any{"program": program, "region": region, "channel": "self_report", "household": hh}})
	require.Equal(t, http.StatusCreated, a.status, "submit %s as %s: %s", program, user, a)
	var c struct{ ID int64 }
	require.NoError(t, json.Unmarshal(a.body, &c))
	return c.ID
}

// taskOf waits until user sees the open task of a case at a stage.
func (w *azWorld) taskOf(t *testing.T, user string, caseID int64, stage string) int64 {
	t.Helper()
	var id int64
	require.Eventually(t, func() bool {
		var inbox struct{ Items []task }
		a := w.send(t, "GET", user, azRequest{path: fmt.Sprintf("/api/v1/tasks?view=all&case_id=%d", caseID)})
		if a.status != http.StatusOK || json.Unmarshal(a.body, &inbox) != nil {
			return false
		}
		for _, tk := range inbox.Items {
			if tk.Stage == stage {
				id = tk.ID
				return true
			}
		}
		return false
	}, 20*time.Second, 50*time.Millisecond, "%s never saw the %s task of case %d", user, stage, caseID)
	return id
}

// approve decides the task of a case at a stage as user.
func (w *azWorld) approve(t *testing.T, user string, caseID int64, stage string) {
	t.Helper()
	id := w.taskOf(t, user, caseID, stage)
	w.expect(t, "POST", fmt.Sprintf("/api/v1/tasks/%d/decision", id), user, map[string]string{"action": "approve"}, http.StatusOK)
}

// waitCase waits until a case, read by user, has the status.
func (w *azWorld) waitCase(t *testing.T, user string, caseID int64, status string) {
	t.Helper()
	var last string
	require.Eventually(t, func() bool {
		var c caseView
		a := w.send(t, "GET", user, azRequest{path: fmt.Sprintf("/api/v1/cases/%d", caseID)})
		_ = json.Unmarshal(a.body, &c)
		last = c.Status
		return c.Status == status
	}, 30*time.Second, 100*time.Millisecond, "case %d never reached %s (last %s)", caseID, status, last)
}

// upload stores a small PNG on a case as user and returns its id.
func (w *azWorld) upload(t *testing.T, user string, caseID int64) int64 {
	t.Helper()
	a := w.send(t, "POST", user, azUpload(t, caseID))
	require.Equal(t, http.StatusCreated, a.status, "upload to case %d as %s: %s", caseID, user, a)
	var att struct{ ID int64 }
	require.NoError(t, json.Unmarshal(a.body, &att))
	return att.ID
}

// azUpload is a multipart request carrying a 2×2 PNG as field "file".
func azUpload(t *testing.T, caseID int64) azRequest {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 2, 2))
	img.Set(0, 0, color.RGBA{R: 200, A: 255})
	var pic, body bytes.Buffer
	require.NoError(t, png.Encode(&pic, img))
	mw := multipart.NewWriter(&body)
	fw, err := mw.CreateFormFile("file", "证明.png")
	require.NoError(t, err)
	_, err = fw.Write(pic.Bytes())
	require.NoError(t, err)
	require.NoError(t, mw.Close())
	return azRequest{path: fmt.Sprintf("/api/v1/cases/%d/attachments", caseID), raw: body.Bytes(), ctype: mw.FormDataContentType()}
}

// azListed reports whether a list answer (items, and their children for
// the region tree) holds an entry whose key has the value.
func azListed(key, value string) func([]byte) bool {
	return func(raw []byte) bool {
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		var doc map[string]any
		if dec.Decode(&doc) != nil {
			return false
		}
		var walk func(items any) bool
		walk = func(items any) bool {
			list, _ := items.([]any)
			for _, it := range list {
				m, _ := it.(map[string]any)
				if fmt.Sprint(m[key]) == value || walk(m["children"]) {
					return true
				}
			}
			return false
		}
		return walk(doc["items"])
	}
}

func azListedID(key string, id int64) func([]byte) bool {
	return azListed(key, strconv.FormatInt(id, 10))
}

// azProblem is a problem+json answer.
type azProblem struct {
	Status int    `json:"status"`
	Detail string `json:"detail"`
	Errors []struct {
		Field   string `json:"field"`
		Message string `json:"message"`
	} `json:"errors"`
}

func (a azAnswer) problem(t *testing.T) azProblem {
	t.Helper()
	var p azProblem
	require.NoError(t, json.Unmarshal(a.body, &p), "not a problem document: %s", a)
	return p
}

// fields lists the fields a validation problem names.
func (p azProblem) fields() []string {
	var out []string
	for _, e := range p.Errors {
		out = append(out, e.Field)
	}
	return out
}

// setUpAuthzObjects makes the objects the rows name. Cases: a1 / a2 (the
// applicants' own, in villages 201 / 202) and far (county 430722) at their
// first stage; tasks of every deciding role inside ("vo1", "vc1", "tc",
// "ta", "ca", and "vo2", "vc2" in village 202) and outside (the "_far"
// ones); a case on notice in village 202 ("n_in") and one in county 430722
// ("n_far"); an attachment on a1, a2 and far.
func setUpAuthzObjects(t *testing.T, w *azWorld) {
	t.Helper()
	cases := []struct{ key, user, program, region string }{
		{"a1", "applicant", "monitoring", azVillage1}, {"a2", "applicant2", "monitoring", azVillage2},
		{"far", "applicant_far", "monitoring", azFarVillage}, {"c3", "applicant", "monitoring", azVillage1},
		{"c4", "applicant2", "monitoring", azVillage2}, {"c5", "applicant", "dibao", azVillage1},
		{"c6", "applicant", "linshi", azVillage1}, {"c7", "applicant", "linshi", azVillage1},
		{"n_in", "applicant2", "monitoring", azVillage2}, {"f3", "applicant_far", "dibao", azFarVillage},
		{"f4", "applicant_far", "linshi", azFarVillage}, {"f5", "applicant_far", "linshi", azFarVillage},
		{"n_far", "applicant_far", "monitoring", azFarVillage},
	}
	for _, c := range cases {
		w.ids["case:"+c.key] = w.submit(t, c.user, c.program, c.region, "az-"+c.key, nil)
	}
	id := func(key string) int64 { return w.id(t, "case:"+key) }
	w.approve(t, "village_officer", id("c3"), "home_check")
	w.approve(t, "village_officer2", id("c4"), "home_check")
	w.approve(t, "township_approver", id("c7"), "urgent_aid")
	w.approve(t, "township_clerk", id("c7"), "paperwork")
	w.approve(t, "village_officer2", id("n_in"), "home_check")
	w.approve(t, "village_committee2", id("n_in"), "village_appraisal")
	w.approve(t, "township_approver_far", id("f5"), "urgent_aid")
	w.approve(t, "township_clerk_far", id("f5"), "paperwork")
	w.approve(t, "village_officer_far", id("n_far"), "home_check")
	w.approve(t, "village_committee_far", id("n_far"), "village_appraisal")
	for _, tk := range []struct{ key, user, kase, stage string }{
		{"vo1", "village_officer", "a1", "home_check"}, {"vo2", "village_officer2", "a2", "home_check"},
		{"vc1", "village_committee", "c3", "village_appraisal"}, {"vc2", "village_committee2", "c4", "village_appraisal"},
		{"tc", "township_clerk", "c5", "intake"}, {"ta", "township_approver", "c6", "urgent_aid"},
		{"ca", "county_approver", "c7", "county_record"}, {"tc_far", "township_clerk_far", "f3", "intake"},
		{"ta_far", "township_approver_far", "f4", "urgent_aid"}, {"ca_far", "county_approver_far", "f5", "county_record"},
	} {
		w.ids["task:"+tk.key] = w.taskOf(t, tk.user, id(tk.kase), tk.stage)
	}
	w.waitCase(t, "applicant2", id("n_in"), "in_notice")
	w.waitCase(t, "applicant_far", id("n_far"), "in_notice")
	for _, a := range []struct{ kase, user string }{{"a1", "applicant"}, {"a2", "applicant2"}, {"far", "applicant_far"}} {
		w.ids["att:"+a.kase] = w.upload(t, a.user, id(a.kase))
	}
}

// azHome names the objects of a user's rows: their village and one outside
// it (for submissions), a case and a task of their role inside and outside
// their jurisdiction.
type azHome struct{ village, elsewhere, caseIn, caseOut, taskIn, taskOut string }

func azHomeOf(user string) azHome {
	switch user {
	case "applicant", "village_officer":
		return azHome{azVillage1, azVillage2, "a1", "a2", "vo1", "vo2"}
	case "village_committee":
		return azHome{azVillage1, azVillage2, "a1", "a2", "vc1", "vc2"}
	case "applicant2", "village_officer2":
		return azHome{azVillage2, azVillage1, "a2", "a1", "vo2", "vo1"}
	case "village_committee2":
		return azHome{azVillage2, azVillage1, "a2", "a1", "vc2", "vc1"}
	case "township_clerk":
		return azHome{azVillage1, azFarVillage, "a1", "far", "tc", "tc_far"}
	case "township_approver":
		return azHome{azVillage1, azFarVillage, "a1", "far", "ta", "ta_far"}
	}
	return azHome{azVillage1, azFarVillage, "a1", "far", "ca", "ca_far"}
}

func azPick(scope, in, out string) string {
	if scope == "out" {
		return out
	}
	return in
}

// azBuild makes the request of a matrix row for user and scope.
type azBuild func(t *testing.T, w *azWorld, user, scope string) azRequest

// azBuilders has one request per route, keyed as GET /openapi.json names
// it. Bodies are minimal and valid, so that an answer past authorization
// is never a 403 or 404 (see the comment at the top of the matrix).
func azBuilders() map[string]azBuild {
	plain := func(path string) azBuild {
		return func(*testing.T, *azWorld, string, string) azRequest { return azRequest{path: path} }
	}
	obj := func(kind string, pick func(azHome) (string, string)) func(*testing.T, *azWorld, string, string) int64 {
		return func(t *testing.T, w *azWorld, user, scope string) int64 {
			in, out := pick(azHomeOf(user))
			return w.id(t, kind+":"+azPick(scope, in, out))
		}
	}
	caseID := obj("case", func(h azHome) (string, string) { return h.caseIn, h.caseOut })
	taskID := obj("task", func(h azHome) (string, string) { return h.taskIn, h.taskOut })
	onCase := func(rest string, body func() any) azBuild {
		return func(t *testing.T, w *azWorld, user, scope string) azRequest {
			return azRequest{path: fmt.Sprintf("/api/v1/cases/%d%s", caseID(t, w, user, scope), rest), body: body()}
		}
	}
	onTask := func(rest string, body func() any) azBuild {
		return func(t *testing.T, w *azWorld, user, scope string) azRequest {
			return azRequest{path: fmt.Sprintf("/api/v1/tasks/%d/%s", taskID(t, w, user, scope), rest), body: body()}
		}
	}
	fixed := func(in, out string) func(*testing.T, *azWorld, string, string) int64 {
		return func(t *testing.T, w *azWorld, _, scope string) int64 { return w.id(t, azPick(scope, in, out)) }
	}
	onUser := func(rest string, body any) azBuild {
		return func(t *testing.T, w *azWorld, user, scope string) azRequest {
			return azRequest{path: fmt.Sprintf("/api/v1/admin/users/%d/%s", fixed("user:in", "user:out")(t, w, user, scope), rest), body: body}
		}
	}
	listOf := func(path, key string, id func(*testing.T, *azWorld, string, string) int64) azBuild {
		return func(t *testing.T, w *azWorld, user, scope string) azRequest {
			return azRequest{path: path, listed: azListedID(key, id(t, w, user, scope))}
		}
	}
	none := func() any { return nil }
	policy := map[string]string{"role": "auditor", "object": "az_probe", "action": "read"}
	pilot, monitoring := "/api/v1/admin/definitions/az-pilot", "/api/v1/admin/definitions/monitoring-identification"
	return map[string]azBuild{
		"GET /healthz":      plain("/healthz"),
		"GET /readyz":       plain("/readyz"),
		"GET /openapi.json": plain("/openapi.json"),
		"GET /docs":         plain("/docs"),
		"POST /api/v1/auth/login": func(_ *testing.T, _ *azWorld, user, _ string) azRequest {
			if user == "anonymous" {
				user = "applicant"
			}
			return azRequest{path: "/api/v1/auth/login", body: map[string]string{"username": user, "password": store.DemoPassword}}
		},
		"POST /api/v1/auth/logout": func(t *testing.T, w *azWorld, user, _ string) azRequest {
			// A sign-in of its own: signing out the user's shared token
			// would refuse every row after this one.
			if user == "anonymous" {
				return azRequest{path: "/api/v1/auth/logout"}
			}
			return azRequest{path: "/api/v1/auth/logout", headers: []string{"Authorization", "Bearer " + w.signIn(user)}}
		},
		"GET /api/v1/me":                           plain("/api/v1/me"),
		"GET /api/v1/cases":                        listOf("/api/v1/cases?limit=200", "id", caseID),
		"GET /api/v1/cases/{id}":                   onCase("", none),
		"GET /api/v1/cases/{id}/attachments":       onCase("/attachments", none),
		"GET /api/v1/cases/{id}/audit":             onCase("/audit", none),
		"POST /api/v1/cases/{id}/reveal":           onCase("/reveal", func() any { return map[string]string{"reason": "核对户籍"} }),
		"GET /api/v1/cases/{id}/attachments/{aid}": azAttachment,
		"GET /api/v1/notices":                      azNotices,
		"GET /api/v1/tasks":                        listOf("/api/v1/tasks?view=all&limit=200", "id", taskID),
		"GET /api/v1/admin/users":                  listOf("/api/v1/admin/users?limit=200", "id", fixed("user:in", "user:out")),
		"GET /api/v1/admin/grants":                 listOf("/api/v1/admin/grants", "id", fixed("grant:in", "grant:out")),
		"GET /api/v1/admin/policies":               plain("/api/v1/admin/policies"),
		"GET /api/v1/admin/regions":                azRegions,
		"POST /api/v1/cases":                       azSubmission,
		"POST /api/v1/cases/{id}/withdraw":         onCase("/withdraw", func() any { return map[string]string{"reason": strings.Repeat("理", 2001)} }),
		"POST /api/v1/cases/{id}/materials":        onCase("/materials", func() any { return map[string]string{"note": "补充了收入证明"} }),
		"POST /api/v1/cases/{id}/objections":       azObjection,
		"POST /api/v1/cases/{id}/attachments":      func(t *testing.T, w *azWorld, u, s string) azRequest { return azUpload(t, caseID(t, w, u, s)) },
		"POST /api/v1/tasks/{id}/claim":            onTask("claim", none),
		"POST /api/v1/tasks/{id}/unclaim":          onTask("unclaim", none),
		"POST /api/v1/tasks/{id}/delegate": onTask("delegate", func() any {
			return map[string]any{"to_user": "county_approver2", "until": time.Now().Add(24 * time.Hour)}
		}),
		"POST /api/v1/tasks/{id}/decision":       onTask("decision", func() any { return map[string]string{"action": "approve", "comment": "核实无误"} }),
		"POST /api/v1/tasks/decisions":           azBatch(taskID),
		"POST /api/v1/admin/users":               azNewUser,
		"POST /api/v1/admin/users/{id}/disable":  onUser("disable", nil),
		"POST /api/v1/admin/users/{id}/enable":   onUser("enable", nil),
		"POST /api/v1/admin/users/{id}/password": onUser("password", map[string]string{"password": "password-reset-1"}),
		"POST /api/v1/admin/grants":              azNewGrant,
		"DELETE /api/v1/admin/grants/{id}": func(t *testing.T, w *azWorld, u, s string) azRequest {
			return azRequest{path: fmt.Sprintf("/api/v1/admin/grants/%d", fixed("grant:in", "grant:out")(t, w, u, s))}
		},
		"POST /api/v1/admin/policies": func(*testing.T, *azWorld, string, string) azRequest {
			return azRequest{path: "/api/v1/admin/policies", body: policy}
		},
		"DELETE /api/v1/admin/policies": func(*testing.T, *azWorld, string, string) azRequest {
			return azRequest{path: "/api/v1/admin/policies", body: policy}
		},
		"POST /api/v1/admin/regions/import": azImport,

		"GET /api/v1/admin/definitions": plain("/api/v1/admin/definitions"),
		"GET /api/v1/admin/definitions/requests": listOf("/api/v1/admin/definitions/requests", "id",
			fixed("request:in", "request:out")),
		"GET /api/v1/admin/definitions/{key}/draft":     plain(pilot + "/draft"),
		"POST /api/v1/admin/definitions/{key}/validate": plain(pilot + "/validate"),
		"POST /api/v1/admin/definitions/{key}/simulate": func(_ *testing.T, _ *azWorld, _, _ string) azRequest {
			return azRequest{path: monitoring + "/simulate", body: map[string]any{"version": 1, "scenario": map[string]any{}}}
		},
		"GET /api/v1/admin/definitions/{key}/versions/{n}":             plain(monitoring + "/versions/1"),
		"GET /api/v1/admin/definitions/{key}/versions/{n}/diagram.svg": plain(monitoring + "/versions/1/diagram.svg"),
		"GET /api/v1/admin/definitions/{key}/diff":                     plain(monitoring + "/diff?from=1&to=2"),
		"GET /api/v1/admin/definitions/{key}/activations":              plain(monitoring + "/activations"),
		"POST /api/v1/admin/definitions": func(t *testing.T, _ *azWorld, _, _ string) azRequest {
			return azRequest{path: "/api/v1/admin/definitions", raw: azDefinition(t, "az-made"), ctype: "application/json"}
		},
		"PUT /api/v1/admin/definitions/{key}/draft": func(t *testing.T, _ *azWorld, _, _ string) azRequest {
			return azRequest{path: pilot + "/draft", raw: azDefinition(t, "az-pilot"), ctype: "application/json"}
		},
		"POST /api/v1/admin/definitions/{key}/publish": plain(pilot + "/publish"),
		// A mapping of a stage no open case is in: the request passes every
		// check and moves nothing, so later rows find the world unchanged.
		"POST /api/v1/admin/definitions/{key}/migrations/preview": func(_ *testing.T, _ *azWorld, _, _ string) azRequest {
			return azRequest{path: monitoring + "/migrations/preview", body: azMigration}
		},
		"POST /api/v1/admin/definitions/{key}/migrations/apply": func(_ *testing.T, _ *azWorld, _, _ string) azRequest {
			return azRequest{path: monitoring + "/migrations/apply", body: azMigration}
		},
		"POST /api/v1/admin/definitions/{key}/activate": func(_ *testing.T, _ *azWorld, _, scope string) azRequest {
			return azRequest{path: monitoring + "/activate", body: map[string]any{"version": 2, "region": azPick(scope, azVillage2, azFarVillage)}}
		},
		"POST /api/v1/admin/definitions/requests/{id}/approve": func(t *testing.T, w *azWorld, u, s string) azRequest {
			return azRequest{path: fmt.Sprintf("/api/v1/admin/definitions/requests/%d/approve", fixed("request:in", "request:out")(t, w, u, s))}
		},
	}
}

func azAttachment(t *testing.T, w *azWorld, user, scope string) azRequest {
	h := azHomeOf(user)
	k := azPick(scope, h.caseIn, h.caseOut)
	return azRequest{path: fmt.Sprintf("/api/v1/cases/%d/attachments/%d", w.id(t, "case:"+k), w.id(t, "att:"+k))}
}

// azNotices reads the board of village 202 (in) or of the far village (out).
func azNotices(t *testing.T, w *azWorld, _, scope string) azRequest {
	return azRequest{path: "/api/v1/notices?region=" + azPick(scope, azVillage2, azFarVillage),
		listed: azListedID("case_id", w.id(t, "case:"+azPick(scope, "n_in", "n_far")))}
}

func azRegions(_ *testing.T, _ *azWorld, _, scope string) azRequest {
	return azRequest{path: "/api/v1/admin/regions", listed: azListed("code", azPick(scope, azVillage1, azFarVillage))}
}

func azSubmission(_ *testing.T, _ *azWorld, user, scope string) azRequest {
	h := azHomeOf(user)
	channel := "cadre_screening"
	if strings.HasPrefix(user, "applicant") {
		channel = "self_report"
	}
	return azRequest{path: "/api/v1/cases", headers: []string{"Idempotency-Key", "az-matrix-" + user + "-" + scope},
		body: map[string]any{"program": "monitoring", "region": azPick(scope, h.village, h.elsewhere), "channel": channel,
			"household": household("吴" + user)}}
}

func azObjection(t *testing.T, w *azWorld, _, scope string) azRequest {
	return azRequest{path: fmt.Sprintf("/api/v1/cases/%d/objections", w.id(t, "case:"+azPick(scope, "n_in", "n_far"))),
		body: map[string]any{"reason": "该户收入与公示不符"}}
}

func azBatch(taskID func(*testing.T, *azWorld, string, string) int64) azBuild {
	return func(t *testing.T, w *azWorld, user, scope string) azRequest {
		return azRequest{path: "/api/v1/tasks/decisions", batch: true,
			body: map[string]any{"decisions": []map[string]any{{"task_id": taskID(t, w, user, scope), "action": "approve"}}}}
	}
}

func azNewUser(_ *testing.T, _ *azWorld, user, scope string) azRequest {
	return azRequest{path: "/api/v1/admin/users", body: map[string]any{"username": "az_new_" + user + "_" + scope,
		"display_name": "新用户", "password": "password-123",
		"grants": []map[string]string{{"role": "applicant", "region": azPick(scope, azVillage1, azFarVillage)}}}}
}

func azNewGrant(_ *testing.T, _ *azWorld, _, scope string) azRequest {
	return azRequest{path: "/api/v1/admin/grants",
		body: map[string]string{"user": "az_target", "role": "applicant", "region": azPick(scope, azVillage2, "430722100202")}}
}

func azImport(_ *testing.T, _ *azWorld, _, scope string) azRequest {
	row := azPick(scope, "430721100203,新建村,New Village,village,430721100", "430722100203,新建村,New Village,village,430722100")
	return azRequest{path: "/api/v1/admin/regions/import", raw: []byte("code,name,name_en,level,parent\n" + row + "\n"), ctype: "text/csv"}
}

var azMigration = map[string]any{"from": 1, "to": 2, "mapping": map[string]string{"county_approval": "county_approval"}}
