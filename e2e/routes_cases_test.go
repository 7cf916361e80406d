package e2e

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestRoutesCaseSubmission covers POST /cases (idempotency and every
// rejection), GET /cases/:id and GET /cases (visibility, filters, paging).
func TestRoutesCaseSubmission(t *testing.T) {
	r := startRoutes(t, "PT10M", "applicant", "applicant2", "village_officer", "village_officer2")
	var first, other caseView
	var firstID string
	t.Run("same key twice", func(t *testing.T) { first, other, firstID = checkIdempotentSubmit(t, r) })
	require.NotZero(t, first.ID)
	r.waitStage(t, "applicant", first.ID, "home_check")
	r.waitStage(t, "applicant2", other.ID, "home_check")
	var retried caseView
	t.Run("rejected submissions", func(t *testing.T) { retried = checkRejectedSubmissions(t, r) })
	require.NotZero(t, retried.ID)
	t.Run("read one case", func(t *testing.T) { checkReadCase(t, r, first.ID, firstID) })
	t.Run("list cases", func(t *testing.T) { checkListCases(t, r, []int64{retried.ID, first.ID}, other.ID) })
}

// submission is a valid case body for village 1.
func submission(head string) map[string]any {
	return map[string]any{"program": "monitoring", "region": village1, "channel": "self_report", "household": household(head)}
}

// checkIdempotentSubmit: a retried submission returns the first case; the
// key belongs to its submitter.
func checkIdempotentSubmit(t *testing.T, r *routes) (caseView, caseView, string) {
	body := submission("张三")
	idNum := body["household"].(map[string]any)["members"].([]map[string]any)[0]["id_number"].(string)
	var c1, c2, c3 caseView
	r.ok(t, http.StatusCreated, r.send(t, "POST", "/api/v1/cases", "applicant", body, "Idempotency-Key", "same-key"), &c1)
	require.Equal(t, "in_review", c1.Status)
	require.Equal(t, "monitoring", c1.Program)
	require.Equal(t, 2, c1.Definition.Version, "the pilot county starts on version 2")
	r.ok(t, http.StatusOK, r.send(t, "POST", "/api/v1/cases", "applicant", body, "Idempotency-Key", "same-key"), &c2)
	require.Equal(t, c1.ID, c2.ID)

	body2 := submission("黄桂兰")
	body2["region"] = village2
	r.ok(t, http.StatusCreated, r.send(t, "POST", "/api/v1/cases", "applicant2", body2, "Idempotency-Key", "same-key"), &c3)
	require.NotEqual(t, c1.ID, c3.ID)
	ids, _ := caseIDs(t, r.send(t, "GET", "/api/v1/cases", "applicant", nil))
	require.Equal(t, []int64{c1.ID}, ids, "the retry made no second case")
	return c1, c3, idNum
}

type submissionCase struct {
	name   string
	user   string
	key    string
	edit   func(b map[string]any)
	body   any // sent instead of the edited submission
	status int
	fields []string
}

func submissionCases() []submissionCase {
	set := func(k string, v any) func(map[string]any) { return func(b map[string]any) { b[k] = v } }
	badID := func(b map[string]any) {
		m := b["household"].(map[string]any)["members"].([]map[string]any)[0]
		id := m["id_number"].(string)
		m["id_number"] = id[:17] + map[bool]string{true: "1", false: "0"}[id[17] == '0']
	}
	const u, k = "applicant", "rejected"
	unprocessable := http.StatusUnprocessableEntity
	return []submissionCase{
		{"no Idempotency-Key", u, "", nil, nil, unprocessable, []string{"Idempotency-Key"}},
		{"Idempotency-Key too long", u, strings.Repeat("k", 201), nil, nil, unprocessable, []string{"Idempotency-Key"}},
		{"bad ID check digit", u, k, badID, nil, unprocessable, []string{"household.members[0].id_number"}},
		{"unknown program", u, k, set("program", "pension"), nil, unprocessable, []string{"program"}},
		{"program without a chain", u, k, set("program", "tekun"), nil, unprocessable, []string{"program"}},
		{"unknown channel", u, k, set("channel", "fax"), nil, unprocessable, []string{"channel"}},
		{"township region", u, k, set("region", township), nil, unprocessable, []string{"region"}},
		{"unknown region", u, k, set("region", "430721100299"), nil, unprocessable, []string{"region"}},
		{"no region", u, k, set("region", ""), nil, unprocessable, []string{"region"}},
		{"unknown field", u, k, set("colour", "red"), nil, unprocessable, []string{"colour"}},
		{"household of wrong type", u, k, set("household", "many"), nil, unprocessable, []string{"household"}},
		{"another village", u, k, set("region", village2), nil, http.StatusForbidden, nil},
		{"official self-reporting", "village_officer", k, nil, nil, http.StatusForbidden, nil},
		{"not JSON", u, k, nil, rawBody{"text/plain", []byte("program=monitoring")}, http.StatusUnsupportedMediaType, nil},
		{"malformed JSON", u, k, nil, rawBody{"application/json", []byte(`{"program":`)}, http.StatusBadRequest, nil},
		{"two JSON values", u, k, nil, rawBody{"application/json", []byte(`{} {}`)}, http.StatusBadRequest, nil},
		{"body over 1 MB", u, k, nil, rawBody{"application/json", []byte(`{"program":"` + strings.Repeat("m", 1<<20) + `"}`)},
			http.StatusRequestEntityTooLarge, nil},
	}
}

// caseLists is every case list the route tests' users see.
func caseLists(t *testing.T, r *routes) []string {
	var out []string
	for _, u := range []string{"applicant", "applicant2", "village_officer", "village_officer2"} {
		rp := r.send(t, "GET", "/api/v1/cases", u, nil)
		require.Equal(t, http.StatusOK, rp.Status)
		out = append(out, u+": "+string(rp.Body))
	}
	return out
}

// checkRejectedSubmissions: each rejection names its field and stores
// nothing; the key of a rejected request is still free afterwards.
func checkRejectedSubmissions(t *testing.T, r *routes) caseView {
	before := caseLists(t, r)
	for _, tc := range submissionCases() {
		t.Run(tc.name, func(t *testing.T) {
			body := tc.body
			if body == nil {
				b := submission("王五")
				if tc.edit != nil {
					tc.edit(b)
				}
				body = b
			}
			var headers []string
			if tc.key != "" {
				headers = []string{"Idempotency-Key", tc.key}
			}
			requireProblem(t, r.send(t, "POST", "/api/v1/cases", tc.user, body, headers...), tc.status, tc.fields...)
			require.Equal(t, before, caseLists(t, r), "a rejected submission changed the case lists")
		})
	}
	var c caseView
	r.ok(t, http.StatusCreated, r.send(t, "POST", "/api/v1/cases", "applicant", submission("王五"), "Idempotency-Key", "rejected"), &c)
	r.waitStage(t, "applicant", c.ID, "home_check")
	return c
}

// checkReadCase: the owner sees the household in full, an official of the
// village masked, everyone else nothing at all.
func checkReadCase(t *testing.T, r *routes, id int64, idNum string) {
	idOf := func(user string) string {
		var c struct {
			Household struct {
				Members []struct {
					IDNumber string `json:"id_number"`
				} `json:"members"`
			} `json:"household"`
		}
		r.ok(t, http.StatusOK, r.send(t, "GET", caseURL(id), user, nil), &c)
		require.Len(t, c.Household.Members, 1)
		return c.Household.Members[0].IDNumber
	}
	require.Equal(t, idNum, idOf("applicant"))
	masked := idOf("village_officer")
	require.NotEqual(t, idNum, masked)
	require.Equal(t, idNum[:6], masked[:6])
	for _, tc := range []struct{ name, user, path string }{
		{"another applicant", "applicant2", caseURL(id)},
		{"official of another village", "village_officer2", caseURL(id)},
		{"id not a number", "applicant", "/api/v1/cases/abc"},
		{"id zero", "applicant", "/api/v1/cases/0"},
		{"no such case", "applicant", "/api/v1/cases/99999999"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			requireProblem(t, r.send(t, "GET", tc.path, tc.user, nil), http.StatusNotFound)
		})
	}
}

// checkListCases: own is the applicant's cases so far (newest first),
// other the one case of applicant2 in village 2.
func checkListCases(t *testing.T, r *routes, own []int64, other int64) {
	linshi := r.submitCase(t, "applicant", "linshi", village1, "list-linshi")
	gone := r.submitCase(t, "applicant", "monitoring", village1, "list-gone")
	var w caseView
	r.ok(t, http.StatusOK, r.send(t, "POST", caseURL(gone.ID, "/withdraw"), "applicant", nil), &w)
	require.Equal(t, "withdrawn", w.Status)
	r.waitStage(t, "applicant", linshi.ID, "urgent_aid")
	mine := append([]int64{gone.ID, linshi.ID}, own...)
	for _, tc := range []struct {
		user, query string
		want        []int64
	}{
		{"applicant", "", mine},
		{"applicant2", "", []int64{other}},
		{"village_officer", "", mine},
		{"village_officer2", "", []int64{other}},
		{"applicant", "program=linshi", []int64{linshi.ID}},
		{"applicant", "status=withdrawn", []int64{gone.ID}},
		{"applicant", "status=in_review", append([]int64{linshi.ID}, own...)},
		{"village_officer", "program=monitoring&status=in_review", own},
		{"village_officer", "stage=home_check", own},
		{"village_officer", "stage=urgent_aid", []int64{linshi.ID}},
		{"village_officer", "region=" + township, mine},
		{"village_officer", "region=" + village2, []int64{}},
		{"applicant2", "status=withdrawn", []int64{}},
	} {
		t.Run(tc.user+" "+tc.query, func(t *testing.T) {
			ids, next := caseIDs(t, r.send(t, "GET", "/api/v1/cases?"+tc.query, tc.user, nil))
			require.Equal(t, tc.want, ids)
			require.Nil(t, next)
		})
	}
	t.Run("keyset paging", func(t *testing.T) {
		for _, size := range []int{1, 2} {
			require.Equal(t, mine, pageThrough(t, r, "village_officer", size))
		}
	})
	for _, tc := range []struct{ query, field string }{
		{"limit=0", "limit"}, {"limit=201", "limit"}, {"limit=ten", "limit"},
		{"cursor=!!", "cursor"}, {"cursor=0", "cursor"}, {"cursor=-5", "cursor"},
		{"region=999", "region"},
	} {
		t.Run(tc.query, func(t *testing.T) {
			requireProblem(t, r.send(t, "GET", "/api/v1/cases?"+tc.query, "applicant", nil),
				http.StatusUnprocessableEntity, tc.field)
		})
	}
}

// pageThrough follows next_cursor through a user's case list.
func pageThrough(t *testing.T, r *routes, user string, size int) []int64 {
	var all []int64
	query := fmt.Sprintf("limit=%d", size)
	for pages := 0; pages < 20; pages++ {
		ids, next := caseIDs(t, r.send(t, "GET", "/api/v1/cases?"+query, user, nil))
		require.LessOrEqual(t, len(ids), size)
		all = append(all, ids...)
		if next == nil {
			return all
		}
		require.Len(t, ids, size, "only a full page has a next page")
		query = fmt.Sprintf("limit=%d&cursor=%s", size, *next)
	}
	t.Fatalf("more than 20 pages of %d", size)
	return nil
}

// TestRoutesCaseLifecycle covers withdraw and materials.
func TestRoutesCaseLifecycle(t *testing.T) {
	r := startRoutes(t, "PT10M", "applicant", "applicant2", "village_officer")
	t.Run("withdraw", func(t *testing.T) { checkWithdraw(t, r) })
	t.Run("materials", func(t *testing.T) { checkMaterials(t, r) })
}

func checkWithdraw(t *testing.T, r *routes) {
	c := r.submitCase(t, "applicant", "monitoring", village1, "withdraw-1")
	tk := r.waitTask(t, "village_officer", c.ID, "home_check")
	r.waitStage(t, "applicant", c.ID, "home_check")
	url := caseURL(c.ID, "/withdraw")
	state := func(t *testing.T) []string { return r.snapshot(t, c.ID, "applicant", "village_officer") }
	requireRejected(t, r, "POST", state, []rejection{
		{"by another applicant", "applicant2", url, nil, http.StatusNotFound, nil},
		{"by an official", "village_officer", url, nil, http.StatusForbidden, nil},
		{"no such case", "applicant", caseURL(99999999, "/withdraw"), nil, http.StatusNotFound, nil},
		{"reason of wrong type", "applicant", url, map[string]any{"reason": 5}, http.StatusUnprocessableEntity, []string{"reason"}},
		{"unknown field", "applicant", url, map[string]any{"why": "x"}, http.StatusUnprocessableEntity, []string{"why"}},
		{"reason too long", "applicant", url, map[string]any{"reason": longText(2001)}, http.StatusUnprocessableEntity, nil},
		{"not JSON", "applicant", url, rawBody{"text/plain", []byte("不申请了")}, http.StatusUnsupportedMediaType, nil},
	})
	var w caseView
	r.ok(t, http.StatusOK, r.send(t, "POST", url, "applicant", map[string]string{"reason": "家里情况好转了"}), &w)
	require.Equal(t, "withdrawn", w.Status)
	require.Empty(t, w.CurrentStages)
	require.Equal(t, 1, timelineCount(w, "", "withdrawn"))
	require.Empty(t, r.inbox(t, "village_officer", fmt.Sprintf("view=all&case_id=%d", c.ID)).Items,
		"the withdrawn case's task left the inbox")
	requireProblem(t, r.decide(t, "village_officer", tk.ID, map[string]string{"action": "approve"}), http.StatusConflict)

	// The closed case accepts nothing more: materials (a new Update id)
	// and a second withdrawal (the same Update id as the first) alike.
	requireRejected(t, r, "POST", state, []rejection{
		{"materials after withdrawal", "applicant", caseURL(c.ID, "/materials"), map[string]string{"note": "x"}, http.StatusConflict, nil},
		{"withdraw again", "applicant", url, nil, http.StatusConflict, nil},
		{"withdraw again with a reason", "applicant", url, map[string]string{"reason": "再次撤回"}, http.StatusConflict, nil},
	})
}

func checkMaterials(t *testing.T, r *routes) {
	c := r.submitCase(t, "applicant", "monitoring", village1, "materials-1")
	first := r.waitTask(t, "village_officer", c.ID, "home_check")
	r.waitStage(t, "applicant", c.ID, "home_check")
	url := caseURL(c.ID, "/materials")
	state := func(t *testing.T) []string { return r.snapshot(t, c.ID, "applicant", "village_officer") }
	note := map[string]string{"note": "补交了户口本复印件"}
	requireRejected(t, r, "POST", state, []rejection{
		{"none are owed", "applicant", url, note, http.StatusConflict, nil},
		{"by another applicant", "applicant2", url, note, http.StatusNotFound, nil},
	})

	var ret caseView
	r.ok(t, http.StatusOK, r.decide(t, "village_officer", first.ID,
		map[string]string{"action": "return_to_applicant", "comment": "请补交户口本"}), &ret)
	require.Equal(t, "awaiting_applicant", ret.Status)
	require.Empty(t, r.inbox(t, "village_officer", fmt.Sprintf("view=all&case_id=%d", c.ID)).Items)

	requireRejected(t, r, "POST", state, []rejection{
		{"empty note", "applicant", url, map[string]string{"note": ""}, http.StatusUnprocessableEntity, []string{"note"}},
		{"nothing supplied", "applicant", url, map[string]any{}, http.StatusUnprocessableEntity, []string{"note"}},
		{"note too long", "applicant", url, map[string]string{"note": longText(2001)}, http.StatusUnprocessableEntity, nil},
		{"not JSON", "applicant", url, rawBody{"text/plain", []byte("户口本")}, http.StatusUnsupportedMediaType, nil},
		{"by an official", "village_officer", url, note, http.StatusForbidden, nil},
		{"by another applicant while owed", "applicant2", url, note, http.StatusNotFound, nil},
	})

	var sup caseView
	r.ok(t, http.StatusOK, r.send(t, "POST", url, "applicant", note), &sup)
	require.Equal(t, "in_review", sup.Status)
	require.Equal(t, 1, timelineCount(sup, "home_check", "materials_supplied"))
	again := r.waitTask(t, "village_officer", c.ID, "home_check")
	require.NotEqual(t, first.ID, again.ID, "the stage runs again as a new task")
	requireProblem(t, r.send(t, "POST", url, "applicant", note), http.StatusConflict)
}
