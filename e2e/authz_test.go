package e2e

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/assistflow/assistflow/store"
	"github.com/stretchr/testify/require"
)

// azMatrixUsers must each have at least one row for every route.
var azMatrixUsers = []string{"applicant", "village_officer", "village_committee", "township_clerk", "township_approver",
	"county_checker", "county_approver", "auditor", "admin", "anonymous"}

// TestAuthzMatrix runs every row of testdata/authz_matrix.csv against one
// live dev and lists every row whose answer is not the expected one. It
// also fails when a route of GET /openapi.json lacks a row for some user.
func TestAuthzMatrix(t *testing.T) {
	rows := readAuthzMatrix(t)
	dataDir := t.TempDir()
	w := startAuthz(t, dataDir, prepareAuthz(t, dataDir, "P5D"))
	start := time.Now()
	setUpAuthzObjects(t, w)
	t.Logf("objects set up in %s", time.Since(start).Round(time.Millisecond))

	builders := azBuilders()
	ops := azOperations(t, w)
	var missing []string
	for _, op := range ops {
		if builders[op] == nil {
			missing = append(missing, op+": no request in azBuilders")
		}
		for _, u := range azMatrixUsers {
			if !slices.ContainsFunc(rows, func(r azRow) bool { return r.op() == op && r.user == u }) {
				missing = append(missing, op+" as "+u)
			}
		}
	}
	for _, r := range rows {
		if !slices.Contains(ops, r.op()) {
			missing = append(missing, fmt.Sprintf("line %d: %s is not a route of the API", r.line, r.op()))
		}
	}
	start = time.Now()
	var wrong []string
	for _, r := range rows {
		build := builders[r.op()]
		if build == nil {
			continue // reported as missing above
		}
		req := build(t, w, r.user, r.scope)
		a := w.send(t, r.method, r.user, req)
		if got := azOutcome(a, req); got != r.expect {
			wrong = append(wrong, fmt.Sprintf("line %d: %s %s as %s (%s): want %s, got %s — %s",
				r.line, r.method, req.path, r.user, r.scope, r.expect, got, a))
		}
	}
	t.Logf("%d rows run in %s", len(rows), time.Since(start).Round(time.Millisecond))
	require.True(t, len(missing)+len(wrong) == 0, "%d routes and users without rows:\n%s\n\n%d of %d rows answered otherwise:\n%s",
		len(missing), strings.Join(missing, "\n"), len(wrong), len(rows), strings.Join(wrong, "\n"))
}

// azRow is one line of the matrix.
type azRow struct {
	line                              int
	method, path, user, scope, expect string
}

func (r azRow) op() string { return r.method + " " + r.path }

func readAuthzMatrix(t *testing.T) []azRow {
	t.Helper()
	f, err := os.Open("testdata/authz_matrix.csv")
	require.NoError(t, err)
	defer f.Close()
	cr := csv.NewReader(f)
	cr.Comment, cr.FieldsPerRecord = '#', 5
	head, err := cr.Read()
	require.NoError(t, err)
	require.Equal(t, []string{"method", "path", "user", "scope", "expect"}, head)
	var rows []azRow
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		require.NoError(t, err)
		line, _ := cr.FieldPos(0)
		r := azRow{line: line, method: rec[0], path: rec[1], user: rec[2], scope: rec[3], expect: rec[4]}
		require.Contains(t, []string{"in", "out", "none"}, r.scope, "line %d", line)
		require.Contains(t, []string{"allow", "forbidden", "hidden", "refused", "unauthenticated"}, r.expect, "line %d", line)
		rows = append(rows, r)
	}
	require.NotEmpty(t, rows)
	return rows
}

// azOperations lists "METHOD /path" of every operation GET /openapi.json
// documents, public ones included.
func azOperations(t *testing.T, w *azWorld) []string {
	t.Helper()
	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	a := w.send(t, "GET", "anonymous", azRequest{path: "/openapi.json"})
	require.Equal(t, http.StatusOK, a.status)
	require.NoError(t, json.Unmarshal(a.body, &doc))
	var ops []string
	for path, methods := range doc.Paths {
		for m := range methods {
			ops = append(ops, strings.ToUpper(m)+" "+path)
		}
	}
	sort.Strings(ops)
	require.NotEmpty(t, ops)
	return ops
}

// azOutcome classifies an answer in the matrix's words.
func azOutcome(a azAnswer, req azRequest) string {
	status := a.status
	if req.batch && status == http.StatusOK {
		var res struct{ Results []struct{ Status int } }
		if json.Unmarshal(a.body, &res) != nil || len(res.Results) != 1 {
			return "batch answer without one result"
		}
		status = res.Results[0].Status
	}
	switch {
	case status == http.StatusUnauthorized:
		return "unauthenticated"
	case status == http.StatusForbidden:
		return "forbidden"
	case status == http.StatusNotFound:
		return "hidden"
	case status == http.StatusUnprocessableEntity && azNamesRegion(a.body):
		return "refused"
	case status >= 200 && status < 300 && req.listed != nil && !req.batch:
		if !req.listed(a.body) {
			return "hidden"
		}
		return "allow"
	case status >= 200 && status < 300, status == http.StatusConflict, status == http.StatusUnprocessableEntity:
		return "allow"
	}
	return fmt.Sprintf("status %d", status)
}

// azNamesRegion: a validation problem naming a region field.
func azNamesRegion(body []byte) bool {
	var p azProblem
	_ = json.Unmarshal(body, &p)
	for _, f := range p.fields() {
		if f == "region" || strings.HasSuffix(f, ".region") || strings.HasSuffix(f, ".parent") {
			return true
		}
	}
	return false
}

// TestAuthzRouteDeclarations walks the live router through GET
// /openapi.json: every operation that needs a bearer token answers 401
// without one or with one that is not ours, and exactly the public routes
// answer without one.
func TestAuthzRouteDeclarations(t *testing.T) {
	w := &azWorld{dev: startDev(t, t.TempDir()), bearer: map[string]string{"anonymous": ""}}
	var doc struct {
		Paths map[string]map[string]struct {
			Security []any `json:"security"`
		} `json:"paths"`
	}
	a := w.send(t, "GET", "anonymous", azRequest{path: "/openapi.json"})
	require.Equal(t, http.StatusOK, a.status)
	require.NoError(t, json.Unmarshal(a.body, &doc))
	param := regexp.MustCompile(`\{[a-z_]+\}`)
	var public, wrong []string
	guarded := 0
	for path, methods := range doc.Paths {
		for m, op := range methods {
			method, concrete := strings.ToUpper(m), param.ReplaceAllString(path, "1")
			if op.Security == nil {
				public = append(public, method+" "+path)
				continue
			}
			guarded++
			for _, auth := range []string{"", "Bearer not-a-token"} {
				req := azRequest{path: concrete, body: map[string]any{}}
				if auth != "" {
					req.headers = []string{"Authorization", auth}
				}
				if a := w.send(t, method, "anonymous", req); a.status != http.StatusUnauthorized {
					wrong = append(wrong, fmt.Sprintf("%s %s with %q: %s", method, concrete, auth, a))
				}
			}
		}
	}
	require.Empty(t, wrong, "routes that answered without authentication:\n%s", strings.Join(wrong, "\n"))
	require.GreaterOrEqual(t, guarded, 30, "the document lists the API's guarded routes")
	require.ElementsMatch(t, []string{"GET /healthz", "GET /readyz", "GET /openapi.json", "GET /docs",
		"POST /api/v1/auth/login"}, public, "only these routes are public")
	for _, op := range public {
		method, path, _ := strings.Cut(op, " ")
		req := azRequest{path: path}
		if method == "POST" {
			req.body = map[string]string{"username": "applicant", "password": store.DemoPassword}
		}
		a := w.send(t, method, "anonymous", req)
		require.Equal(t, http.StatusOK, a.status, "%s without a token: %s", op, a)
	}
}

// TestAuthzScenarios: the jurisdiction and conflict-of-interest rules of
// DOMAIN §6 as residents, officials and administrators meet them.
func TestAuthzScenarios(t *testing.T) {
	dataDir := t.TempDir()
	w := startAuthz(t, dataDir, prepareAuthz(t, dataDir, "PT2S"))
	a1 := w.submit(t, "applicant", "monitoring", azVillage1, "sc-a1", nil)
	a2 := w.submit(t, "applicant2", "monitoring", azVillage2, "sc-a2", nil)
	vo1 := w.taskOf(t, "village_officer", a1, "home_check")
	vo2 := w.taskOf(t, "village_officer2", a2, "home_check")
	att := w.upload(t, "applicant", a1)
	ad := &azAdmin{w: w}
	t.Run("a another household's case is hidden", func(t *testing.T) { azOtherHousehold(t, w, a1, att) })
	t.Run("b a neighbouring village's tasks are hidden", func(t *testing.T) {
		azNeighbourTasks(t, w, "village_officer", vo1, vo2, a2)
		azNeighbourTasks(t, w, "village_officer2", vo2, vo1, a1)
	})
	t.Run("b a delegation ends when its holder returns the task", func(t *testing.T) { azDelegationEnds(t, w) })
	t.Run("c a grant takes effect and ends at once", func(t *testing.T) { azGrantAtOnce(t, ad, a1, vo1) })
	t.Run("d one person decides one level", func(t *testing.T) { azOneLevel(t, ad) })
	t.Run("d a family tie bars the decision", func(t *testing.T) { azFamilyTie(t, w) })
	t.Run("e a county admin stays in its county", func(t *testing.T) { azCountyAdmin(t, ad) })
	t.Run("e a county admin cannot take over another county's account", func(t *testing.T) { azTakeover(t, ad) })
	t.Run("e definition changes stay in the admin's county", func(t *testing.T) { azDefinitionChanges(t, ad) })
	w.stop()
	t.Run("f every admin change is audited", func(t *testing.T) { ad.requireAudited(t, dataDir) })
}

// azOtherHousehold: applicant2 reaches nothing of applicant's case, and
// cannot tell it from a case that does not exist.
func azOtherHousehold(t *testing.T, w *azWorld, caseID, attID int64) {
	for _, tc := range []struct {
		method string
		req    func(id int64) azRequest
	}{
		{"GET", func(id int64) azRequest { return azRequest{path: fmt.Sprintf("/api/v1/cases/%d", id)} }},
		{"POST", func(id int64) azRequest {
			return azRequest{path: fmt.Sprintf("/api/v1/cases/%d/withdraw", id), body: map[string]string{"reason": "不再需要"}}
		}},
		{"POST", func(id int64) azRequest {
			return azRequest{path: fmt.Sprintf("/api/v1/cases/%d/materials", id), body: map[string]string{"note": "补充材料"}}
		}},
		{"GET", func(id int64) azRequest { return azRequest{path: fmt.Sprintf("/api/v1/cases/%d/attachments", id)} }},
		{"POST", func(id int64) azRequest { return azUpload(t, id) }},
		{"GET", func(id int64) azRequest {
			return azRequest{path: fmt.Sprintf("/api/v1/cases/%d/attachments/%d", id, attID)}
		}},
	} {
		hidden := w.send(t, tc.method, "applicant2", tc.req(caseID))
		absent := w.send(t, tc.method, "applicant2", tc.req(caseID+1_000_000))
		require.Equal(t, http.StatusNotFound, hidden.status, "%s %s: %s", tc.method, tc.req(caseID).path, hidden)
		require.Equal(t, absent.problem(t).Detail, hidden.problem(t).Detail, "no hint that the case exists")
	}
	list := w.expect(t, "GET", "/api/v1/cases?limit=200", "applicant2", nil, http.StatusOK)
	require.False(t, azListedID("id", caseID)(list.body), "the case is not in applicant2's list")
	var c caseView
	require.NoError(t, json.Unmarshal(w.expect(t, "GET", fmt.Sprintf("/api/v1/cases/%d", caseID), "applicant", nil, http.StatusOK).body, &c))
	require.Equal(t, "in_review", c.Status, "the case was not withdrawn")
	atts := w.expect(t, "GET", fmt.Sprintf("/api/v1/cases/%d/attachments", caseID), "applicant", nil, http.StatusOK)
	var list2 struct{ Items []any }
	require.NoError(t, json.Unmarshal(atts.body, &list2))
	require.Len(t, list2.Items, 1, "nothing was attached by applicant2")
}

// azNeighbourTasks: user sees and acts on their own village's task, and
// neither sees nor reaches the neighbouring village's.
func azNeighbourTasks(t *testing.T, w *azWorld, user string, own, other, otherCase int64) {
	inbox := w.expect(t, "GET", "/api/v1/tasks?view=all&limit=200", user, nil, http.StatusOK)
	require.True(t, azListedID("id", own)(inbox.body), "%s sees their own village's task", user)
	require.False(t, azListedID("id", other)(inbox.body), "%s does not see the neighbour's task", user)
	var byCase struct{ Items []any }
	require.NoError(t, json.Unmarshal(w.expect(t, "GET", fmt.Sprintf("/api/v1/tasks?view=all&case_id=%d", otherCase), user, nil, http.StatusOK).body, &byCase))
	require.Empty(t, byCase.Items)
	for _, action := range []string{"claim", "unclaim", "delegate", "decision"} {
		body := map[string]any{"action": "approve"}
		if action == "delegate" {
			body = map[string]any{"to_user": "township_clerk", "until": time.Now().Add(time.Hour)}
		}
		w.expect(t, "POST", fmt.Sprintf("/api/v1/tasks/%d/%s", other, action), user, body, http.StatusNotFound)
	}
	w.expect(t, "GET", fmt.Sprintf("/api/v1/cases/%d", otherCase), user, nil, http.StatusNotFound)
	w.expect(t, "POST", fmt.Sprintf("/api/v1/tasks/%d/claim", own), user, nil, http.StatusOK)
	w.expect(t, "POST", fmt.Sprintf("/api/v1/tasks/%d/unclaim", own), user, nil, http.StatusOK)
}

// azGrantAtOnce: a grant added through the admin API shows village 1's
// task to village_officer2 in the very next request; removing it hides it
// again in the next.
func azGrantAtOnce(t *testing.T, ad *azAdmin, caseID, taskID int64) {
	w := ad.w
	sees := func() bool {
		return azListedID("id", taskID)(w.expect(t, "GET", "/api/v1/tasks?view=all&limit=200", "village_officer2", nil, http.StatusOK).body)
	}
	claim := fmt.Sprintf("/api/v1/tasks/%d/claim", taskID)
	require.False(t, sees())
	w.expect(t, "POST", claim, "village_officer2", nil, http.StatusNotFound)
	a := ad.write(t, "admin", "POST", "/api/v1/admin/grants", map[string]string{"user": "village_officer2",
		"role": "village_officer", "region": azVillage1}, "grant.add", "grant/")
	require.Equal(t, http.StatusCreated, a.status, "%s", a)
	var g struct{ ID int64 }
	require.NoError(t, json.Unmarshal(a.body, &g))
	require.True(t, sees(), "the task shows at once")
	w.expect(t, "GET", fmt.Sprintf("/api/v1/cases/%d", caseID), "village_officer2", nil, http.StatusOK)
	w.expect(t, "POST", claim, "village_officer2", nil, http.StatusOK)
	w.expect(t, "POST", fmt.Sprintf("/api/v1/tasks/%d/unclaim", taskID), "village_officer2", nil, http.StatusOK)
	a = ad.write(t, "admin", "DELETE", fmt.Sprintf("/api/v1/admin/grants/%d", g.ID), nil, "grant.remove", fmt.Sprintf("grant/%d", g.ID))
	require.Equal(t, http.StatusOK, a.status, "%s", a)
	require.False(t, sees(), "the task is hidden at once")
	w.expect(t, "GET", fmt.Sprintf("/api/v1/cases/%d", caseID), "village_officer2", nil, http.StatusNotFound)
	w.expect(t, "POST", claim, "village_officer2", nil, http.StatusNotFound)
}

// azOneLevel: county_approver, also made township_approver, decides a
// case's township stage and is then refused its county stage, with a
// detail that says why; another county approver decides it.
func azOneLevel(t *testing.T, ad *azAdmin) {
	w := ad.w
	a := ad.write(t, "admin", "POST", "/api/v1/admin/grants", map[string]string{"user": "county_approver",
		"role": "township_approver", "region": azTownship}, "grant.add", "grant/")
	require.Equal(t, http.StatusCreated, a.status, "%s", a)
	c := w.submit(t, "applicant", "monitoring", azVillage1, "sc-one-level", nil)
	w.approve(t, "village_officer", c, "home_check")
	w.approve(t, "village_committee", c, "village_appraisal")
	w.approve(t, "county_approver", c, "township_review") // after the two-second notice
	county := w.taskOf(t, "county_approver", c, "county_approval")
	path := fmt.Sprintf("/api/v1/tasks/%d/decision", county)
	a = w.expect(t, "POST", path, "county_approver", map[string]string{"action": "approve"}, http.StatusForbidden)
	detail := a.problem(t).Detail
	require.Contains(t, detail, "one person decides one level")
	require.Contains(t, detail, "township")
	w.expect(t, "POST", path, "county_approver2", map[string]string{"action": "approve"}, http.StatusOK)
}

// azFamilyTie: an official the household names as family may not decide
// its case.
func azFamilyTie(t *testing.T, w *azWorld) {
	hh := household("冯桂芳")
	hh["related_officials"] = []string{"village_officer"}
	c := w.submit(t, "applicant", "monitoring", azVillage1, "sc-family", hh)
	tk := w.taskOf(t, "village_officer", c, "home_check")
	a := w.expect(t, "POST", fmt.Sprintf("/api/v1/tasks/%d/decision", tk), "village_officer",
		map[string]string{"action": "approve"}, http.StatusForbidden)
	require.Contains(t, a.problem(t).Detail, "family tie")
}

// azDelegationEnds: an acting official acts for the official who claimed a
// task and handed it over; once that official returns the task to the
// pool, the acting official no longer sees or decides it (else they would
// decide a village task in their own name, under a role they do not hold,
// or "on behalf of" whoever claims it next).
func azDelegationEnds(t *testing.T, w *azWorld) {
	c := w.submit(t, "applicant", "monitoring", azVillage1, "sc-delegate", nil)
	tk := w.taskOf(t, "village_officer", c, "home_check")
	inbox := func() []byte {
		return w.expect(t, "GET", "/api/v1/tasks?view=all&limit=200", "township_clerk", nil, http.StatusOK).body
	}
	w.expect(t, "POST", fmt.Sprintf("/api/v1/tasks/%d/claim", tk), "village_officer", nil, http.StatusOK)
	w.expect(t, "POST", fmt.Sprintf("/api/v1/tasks/%d/delegate", tk), "village_officer",
		map[string]any{"to_user": "township_clerk", "until": time.Now().Add(time.Hour)}, http.StatusOK)
	require.True(t, azListedID("id", tk)(inbox()), "the acting official sees the handed-over task")
	w.expect(t, "POST", fmt.Sprintf("/api/v1/tasks/%d/unclaim", tk), "village_officer", nil, http.StatusOK)
	require.False(t, azListedID("id", tk)(inbox()), "the acting official no longer sees the returned task")
	w.expect(t, "POST", fmt.Sprintf("/api/v1/tasks/%d/decision", tk), "township_clerk",
		map[string]string{"action": "approve"}, http.StatusNotFound)
}

// azCountyAdmin: the admin of county 430721 is refused users, grants and
// regions in county 430722 with the field that names the region, and
// policies (national) with 403; the same requests inside its county, and
// policies by the province's admin, go through.
func azCountyAdmin(t *testing.T, ad *azAdmin) {
	user := func(name, region string) map[string]any {
		return map[string]any{"username": name, "display_name": "新用户", "password": "password-123",
			"grants": []map[string]string{{"role": "applicant", "region": region}}}
	}
	regions := func(row string) azRequest {
		return azRequest{path: "/api/v1/admin/regions/import", raw: []byte(row + "\n"), ctype: "text/csv"}
	}
	policy := map[string]string{"role": "auditor", "object": "az_scenario", "action": "read"}
	for _, tc := range []struct {
		a     azAnswer
		field string
	}{
		{ad.write(t, "admin", "POST", "/api/v1/admin/users", user("az_far_made", azFarVillage), "user.create", "user/"), "grants[0].region"},
		{ad.write(t, "admin", "POST", "/api/v1/admin/grants", map[string]string{"user": "applicant2", "role": "village_officer",
			"region": azFarVillage}, "grant.add", "grant/"), "grant.region"},
		{ad.send(t, "admin", "POST", regions("430722100209,新村,New,village,430722100"), "region.import", "regions"), "rows[0].parent"},
	} {
		require.Equal(t, http.StatusUnprocessableEntity, tc.a.status, "%s", tc.a)
		require.Contains(t, tc.a.problem(t).fields(), tc.field)
	}
	for _, method := range []string{"POST", "DELETE"} {
		a := ad.write(t, "admin", method, "/api/v1/admin/policies", policy, "policy.x", "policy")
		require.Equal(t, http.StatusForbidden, a.status, "%s", a)
		require.Contains(t, a.problem(t).Detail, "top-level")
	}

	a := ad.write(t, "admin", "POST", "/api/v1/admin/users", user("az_made", azVillage1), "user.create", "user/")
	require.Equal(t, http.StatusCreated, a.status, "%s", a)
	var made struct{ ID int64 }
	require.NoError(t, json.Unmarshal(a.body, &made))
	for _, op := range []struct{ rest, action string }{{"disable", "user.disable"}, {"enable", "user.enable"}, {"password", "user.reset_password"}} {
		a = ad.write(t, "admin", "POST", fmt.Sprintf("/api/v1/admin/users/%d/%s", made.ID, op.rest),
			map[string]string{"password": "password-456"}, op.action, fmt.Sprintf("user/%d", made.ID))
		require.Equal(t, http.StatusOK, a.status, "%s", a)
	}
	a = ad.send(t, "admin", "POST", regions("430721100209,新村,New,village,430721100"), "region.import", "regions")
	require.Equal(t, http.StatusOK, a.status, "%s", a)
	a = ad.write(t, "admin_root", "POST", "/api/v1/admin/policies", policy, "policy.add", "policy")
	require.Equal(t, http.StatusCreated, a.status, "%s", a)
	a = ad.write(t, "admin_root", "DELETE", "/api/v1/admin/policies", policy, "policy.remove", "policy")
	require.Equal(t, http.StatusOK, a.status, "%s", a)
}

// azDefinitionChanges: the county admin edits and publishes a draft,
// activates a version in its county (refused in the other county, on the
// region field) and approves admin_root's activation request there.
func azDefinitionChanges(t *testing.T, ad *azAdmin) {
	const base = "/api/v1/admin/definitions/"
	doc := func(path, key string) azRequest {
		return azRequest{path: path, raw: azDefinition(t, key), ctype: "application/json"}
	}
	activate := func(region string) azRequest {
		return azRequest{path: base + "monitoring-identification/activate", body: map[string]any{"version": 2, "region": region}}
	}
	a := ad.send(t, "admin", "POST", activate(azFarVillage), "definition.activate", "definition/monitoring-identification")
	require.Equal(t, http.StatusUnprocessableEntity, a.status, "%s", a)
	require.Contains(t, a.problem(t).fields(), "region")
	for _, tc := range []struct {
		method string
		req    azRequest
		action string
		object string
		want   int
	}{
		{"POST", doc(base[:len(base)-1], "az-made"), "definition.draft.create", "definition/az-made", http.StatusCreated},
		{"PUT", doc(base+"az-pilot/draft", "az-pilot"), "definition.draft.replace", "definition/az-pilot", http.StatusOK},
		{"POST", azRequest{path: base + "az-pilot/publish"}, "definition.publish", "definition/az-pilot", http.StatusCreated},
		{"POST", activate(azVillage1), "definition.activate", "definition/monitoring-identification", http.StatusOK},
		{"POST", azRequest{path: fmt.Sprintf("%srequests/%d/approve", base, ad.w.id(t, "request:in"))},
			"definition.request.approve", "definition/monitoring-identification", http.StatusOK},
	} {
		a := ad.send(t, "admin", tc.method, tc.req, tc.action, tc.object)
		require.Equal(t, tc.want, a.status, "%s %s: %s", tc.method, tc.req.path, a)
	}
}

// azTakeover: giving a user of county 430722 a role in its own village
// does not make the county 430721 admin the keeper of that user's
// account: it may not reset their password or disable them (both act in
// county 430722, where the user also holds a role).
func azTakeover(t *testing.T, ad *azAdmin) {
	a := ad.write(t, "admin", "POST", "/api/v1/admin/grants", map[string]string{"user": "applicant_far",
		"role": "applicant", "region": azVillage1}, "grant.add", "grant/")
	require.Equal(t, http.StatusCreated, a.status, "%s", a)
	far := ad.w.id(t, "user:applicant_far")
	a = ad.write(t, "admin", "POST", fmt.Sprintf("/api/v1/admin/users/%d/password", far),
		map[string]string{"password": "taken-over-1"}, "user.reset_password", fmt.Sprintf("user/%d", far))
	require.Equal(t, http.StatusNotFound, a.status, "a county admin reset the password of a user of another county: %s", a)
	a = ad.write(t, "admin", "POST", fmt.Sprintf("/api/v1/admin/users/%d/disable", far), nil, "user.disable", fmt.Sprintf("user/%d", far))
	require.Equal(t, http.StatusNotFound, a.status, "a county admin disabled a user of another county: %s", a)
}

// azAdmin makes admin writes and keeps every one that answered 2xx: each
// such change must appear in the audit, and nothing else may.
type azAdmin struct {
	w       *azWorld
	changes []azChange
}

type azChange struct {
	Actor          int64
	Action, Object string
}

// write sends a JSON admin write; an object ending in "/" is completed
// with the id of what the answer created.
func (ad *azAdmin) write(t *testing.T, user, method, path string, body any, action, object string) azAnswer {
	t.Helper()
	return ad.send(t, user, method, azRequest{path: path, body: body}, action, object)
}

func (ad *azAdmin) send(t *testing.T, user, method string, req azRequest, action, object string) azAnswer {
	t.Helper()
	a := ad.w.send(t, method, user, req)
	if a.status >= 200 && a.status < 300 {
		if strings.HasSuffix(object, "/") {
			var made struct{ ID int64 }
			require.NoError(t, json.Unmarshal(a.body, &made))
			object += fmt.Sprint(made.ID)
		}
		ad.changes = append(ad.changes, azChange{ad.w.id(t, "user:"+user), action, object})
	}
	return a
}

// requireAudited reads audit_events of the stopped dev's database.
func (ad *azAdmin) requireAudited(t *testing.T, dataDir string) {
	ctx := context.Background()
	st := openDataDir(t, dataDir)
	defer st.Close()
	rows, err := st.SQL().QueryContext(ctx, `SELECT actor_id, action, object FROM audit_events WHERE event_key LIKE 'admin/%' ORDER BY id`)
	require.NoError(t, err)
	defer rows.Close()
	var got []azChange
	for rows.Next() {
		var c azChange
		require.NoError(t, rows.Scan(&c.Actor, &c.Action, &c.Object))
		got = append(got, c)
	}
	require.NoError(t, rows.Err())
	actions := map[string]bool{}
	for _, c := range ad.changes {
		actions[c.Action] = true
	}
	for _, a := range []string{"user.create", "user.disable", "user.enable", "user.reset_password", "grant.add",
		"grant.remove", "policy.add", "policy.remove", "region.import", "definition.draft.create", "definition.draft.replace",
		"definition.publish", "definition.activate", "definition.request.approve"} {
		require.True(t, actions[a], "the scenarios made a %s change", a)
	}
	require.ElementsMatch(t, ad.changes, got, "every admin change that answered 2xx is audited, and nothing else")
}
