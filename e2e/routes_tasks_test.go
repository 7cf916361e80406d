package e2e

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestRoutesTasks covers the inbox, claim, unclaim, delegate, decision and
// batch decisions on one running dev.
func TestRoutesTasks(t *testing.T) {
	r := startRoutes(t, "PT10M", "applicant", "applicant2", "village_officer", secondOfficer,
		"village_officer2", "village_committee", "township_approver", "township_clerk", "county_approver")
	c := r.submitCase(t, "applicant", "monitoring", village1, "tasks-1")
	tk := r.waitTask(t, "village_officer", c.ID, "home_check")
	r.waitStage(t, "applicant", c.ID, "home_check")
	state := func(t *testing.T) []string {
		return r.snapshot(t, c.ID, "applicant", "village_officer", secondOfficer, "village_committee")
	}
	t.Run("inbox", func(t *testing.T) { checkInbox(t, r, tk) })
	t.Run("outsiders", func(t *testing.T) { checkTaskOutsiders(t, r, tk, state) })
	t.Run("invalid decisions", func(t *testing.T) { checkInvalidDecisions(t, r, tk, state) })
	t.Run("claim and unclaim", func(t *testing.T) { checkClaim(t, r, tk, state) })
	t.Run("delegate", func(t *testing.T) { checkDelegate(t, r, tk, state) })
	t.Run("batch decisions", func(t *testing.T) { checkBatch(t, r) })
}

func checkInbox(t *testing.T, r *routes, tk taskDoc) {
	for _, tc := range []struct{ query, field string }{
		{"view=unknown", "view"}, {"limit=0", "limit"}, {"limit=500", "limit"}, {"cursor=!!", "cursor"},
		{"case_id=abc", "case_id"}, {"region=999", "region"},
	} {
		t.Run(tc.query, func(t *testing.T) {
			requireProblem(t, r.send(t, "GET", "/api/v1/tasks?"+tc.query, "village_officer", nil),
				http.StatusUnprocessableEntity, tc.field)
		})
	}
	all := r.inbox(t, "village_officer", "")
	require.Equal(t, []int64{tk.ID}, taskIDs(all), "the default view is all")
	require.Equal(t, "village_officer", all.Items[0].Role)
	require.Equal(t, village1, all.Items[0].Region)
	require.ElementsMatch(t, []string{"approve", "reject", "return_to_applicant"}, all.Items[0].Actions)
	require.Nil(t, all.Items[0].Assignee)
	for _, k := range []string{"mine", "claimable", "due_soon", "overdue"} {
		require.Contains(t, all.Counts, k)
	}
	require.Equal(t, int64(1), all.Counts["claimable"])
	require.Equal(t, int64(0), all.Counts["mine"])
	for _, tc := range []struct {
		query string
		want  []int64
	}{
		{"view=claimable", []int64{tk.ID}}, {"view=mine", nil}, {"view=overdue", nil},
		{"program=monitoring", []int64{tk.ID}}, {"program=linshi", nil},
		{"stage=home_check", []int64{tk.ID}}, {"stage=village_appraisal", nil},
		{"region=" + township, []int64{tk.ID}}, {"region=" + village2, nil},
		{fmt.Sprintf("case_id=%d", tk.CaseID), []int64{tk.ID}}, {fmt.Sprintf("case_id=%d", tk.CaseID+1000), nil},
	} {
		t.Run("filter "+tc.query, func(t *testing.T) {
			require.Equal(t, tc.want, taskIDs(r.inbox(t, "village_officer", tc.query)))
		})
	}
	t.Run("applicant has no inbox", func(t *testing.T) {
		requireProblem(t, r.send(t, "GET", "/api/v1/tasks", "applicant", nil), http.StatusForbidden)
	})
}

// checkTaskOutsiders: an official of the neighbouring village and
// officials of other roles neither see the task nor act on it (404);
// applicants hold no role that acts on tasks at all (403).
func checkTaskOutsiders(t *testing.T, r *routes, tk taskDoc, state func(*testing.T) []string) {
	for _, it := range r.inbox(t, "village_officer2", "view=all").Items {
		require.NotEqual(t, village1, it.Region, "village_officer2 sees a task of village 1")
	}
	until := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	delegation := map[string]string{"to_user": "village_committee", "until": until}
	approve := map[string]string{"action": "approve"}
	var cases []rejection
	for _, u := range []string{"village_officer2", "applicant", "applicant2", "village_committee", "township_approver"} {
		status := http.StatusNotFound
		if strings.HasPrefix(u, "applicant") {
			status = http.StatusForbidden
		}
		cases = append(cases,
			rejection{u + " claims", u, taskURL(tk.ID, "claim"), nil, status, nil},
			rejection{u + " unclaims", u, taskURL(tk.ID, "unclaim"), nil, status, nil},
			rejection{u + " delegates", u, taskURL(tk.ID, "delegate"), delegation, status, nil},
			rejection{u + " decides", u, taskURL(tk.ID, "decision"), approve, status, nil})
	}
	for _, action := range []string{"claim", "unclaim", "decision", "delegate"} {
		cases = append(cases,
			rejection{"no such task " + action, "village_officer", taskURL(99999999, action), approve, http.StatusNotFound, nil},
			rejection{"task id not a number " + action, "village_officer", "/api/v1/tasks/abc/" + action, approve, http.StatusNotFound, nil})
	}
	requireRejected(t, r, "POST", state, cases)
}

func checkInvalidDecisions(t *testing.T, r *routes, tk taskDoc, state func(*testing.T) []string) {
	url := taskURL(tk.ID, "decision")
	evidence := make([]string, 51)
	for i := range evidence {
		evidence[i] = fmt.Sprintf("photo-%d", i)
	}
	const u, bad = "village_officer", http.StatusUnprocessableEntity
	requireRejected(t, r, "POST", state, []rejection{
		{"no action", u, url, map[string]any{}, bad, []string{"action"}},
		{"empty action", u, url, map[string]any{"action": "", "comment": "x"}, bad, []string{"action"}},
		{"return on home_check", u, url, map[string]any{"action": "return"}, bad, nil},
		{"unknown action", u, url, map[string]any{"action": "approve_all"}, bad, nil},
		{"reject without reason_code", u, url, map[string]any{"action": "reject", "comment": "收入超标"}, bad, nil},
		{"comment too long", u, url, map[string]any{"action": "approve", "comment": longText(2001)}, bad, []string{"comment"}},
		{"too much evidence", u, url, map[string]any{"action": "approve", "evidence": evidence}, bad, []string{"evidence"}},
		{"unknown field", u, url, map[string]any{"action": "approve", "votes": 3}, bad, []string{"votes"}},
		{"not JSON", u, url, rawBody{"text/plain", []byte("approve")}, http.StatusUnsupportedMediaType, nil},
		{"malformed JSON", u, url, rawBody{"application/json", []byte(`{"action":"approve"`)}, http.StatusBadRequest, nil},
	})
}

func checkClaim(t *testing.T, r *routes, tk taskDoc, state func(*testing.T) []string) {
	until := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	delegation := map[string]string{"to_user": "village_committee", "until": until}
	requireRejected(t, r, "POST", state, []rejection{
		{"delegate before claiming", "village_officer", taskURL(tk.ID, "delegate"), delegation, http.StatusConflict, nil},
		{"unclaim before claiming", "village_officer", taskURL(tk.ID, "unclaim"), nil, http.StatusConflict, nil},
	})
	me := r.ids["village_officer"]
	claimed := r.taskAction(t, "village_officer", tk.ID, "claim", nil)
	require.Equal(t, &me, claimed.Assignee)
	require.Equal(t, []int64{tk.ID}, taskIDs(r.inbox(t, "village_officer", "view=mine")))
	require.Empty(t, r.inbox(t, "village_officer", "view=claimable").Items)
	require.Equal(t, int64(1), r.inbox(t, "village_officer", "").Counts["mine"])
	require.Equal(t, &me, r.taskAction(t, "village_officer", tk.ID, "claim", nil).Assignee, "claiming twice is harmless")

	requireRejected(t, r, "POST", state, []rejection{
		{"claim by another officer", secondOfficer, taskURL(tk.ID, "claim"), nil, http.StatusConflict, nil},
		{"unclaim by another officer", secondOfficer, taskURL(tk.ID, "unclaim"), nil, http.StatusConflict, nil},
		{"delegate by another officer", secondOfficer, taskURL(tk.ID, "delegate"), delegation, http.StatusConflict, nil},
		{"decide by another officer", secondOfficer, taskURL(tk.ID, "decision"), map[string]string{"action": "approve"}, http.StatusConflict, nil},
	})
	require.Nil(t, r.taskAction(t, "village_officer", tk.ID, "unclaim", nil).Assignee)
	require.Equal(t, []int64{tk.ID}, taskIDs(r.inbox(t, secondOfficer, "view=claimable")))
	require.Equal(t, &me, r.taskAction(t, "village_officer", tk.ID, "claim", nil).Assignee)
}

func checkDelegate(t *testing.T, r *routes, tk taskDoc, state func(*testing.T) []string) {
	url := taskURL(tk.ID, "delegate")
	in := func(d time.Duration) string { return time.Now().Add(d).UTC().Format(time.RFC3339) }
	to := func(user, until string) map[string]string { return map[string]string{"to_user": user, "until": until} }
	const u, bad = "village_officer", http.StatusUnprocessableEntity
	requireRejected(t, r, "POST", state, []rejection{
		{"to an applicant", u, url, to("applicant2", in(time.Hour)), bad, []string{"to_user"}},
		{"to an official elsewhere", u, url, to("village_officer2", in(time.Hour)), bad, []string{"to_user"}},
		{"to nobody", u, url, to("nobody", in(time.Hour)), bad, []string{"to_user"}},
		{"no to_user", u, url, map[string]string{"until": in(time.Hour)}, bad, []string{"to_user"}},
		{"until in the past", u, url, to("village_committee", in(-time.Hour)), bad, []string{"until"}},
		{"no until", u, url, map[string]string{"to_user": "village_committee"}, bad, []string{"until"}},
		{"until beyond 90 days", u, url, to("village_committee", in(91*24*time.Hour)), bad, []string{"until"}},
		{"nothing given", u, url, map[string]string{}, bad, []string{"to_user", "until"}},
		{"until not a time", u, url, to("village_committee", "tomorrow"), bad, []string{"until"}},
		{"to the holder", u, url, to("village_officer", in(time.Hour)), bad, []string{"to_user"}},
		{"unknown field", u, url, map[string]string{"to_user": "village_committee", "until": in(time.Hour), "note": "x"},
			bad, []string{"note"}},
		{"not JSON", u, url, rawBody{"text/plain", []byte("village_committee")}, http.StatusUnsupportedMediaType, nil},
	})
	d := r.taskAction(t, "village_officer", tk.ID, "delegate", to("village_committee", in(time.Hour)))
	committee, me := r.ids["village_committee"], r.ids["village_officer"]
	require.Equal(t, &committee, d.Delegate)
	require.Equal(t, &me, d.Assignee, "the holder keeps the task")
	require.Equal(t, []int64{tk.ID}, taskIDs(r.inbox(t, "village_committee", "view=mine")))

	var c caseView
	r.ok(t, http.StatusOK, r.decide(t, "village_committee", tk.ID, map[string]string{"action": "approve", "comment": "代为核实"}), &c)
	require.Equal(t, "in_review", c.Status)
	require.Equal(t, 1, timelineCount(c, "home_check", "approve"))
	require.Len(t, c.CurrentStages, 1)
	require.Equal(t, "village_appraisal", c.CurrentStages[0].ID)

	for _, user := range []string{"village_officer", "village_committee"} {
		p := requireProblem(t, r.decide(t, user, tk.ID, map[string]string{"action": "reject", "reason_code": "x"}), http.StatusConflict)
		require.Contains(t, p.Detail, "already decided: approve")
	}
	requireRejected(t, r, "POST", state, []rejection{
		{"claim a decided task", secondOfficer, taskURL(tk.ID, "claim"), nil, http.StatusConflict, nil},
		{"unclaim a decided task", "village_officer", taskURL(tk.ID, "unclaim"), nil, http.StatusConflict, nil},
		{"delegate a decided task", "village_officer", url, to("village_committee", in(time.Hour)), http.StatusConflict, nil},
	})
	final := r.getCase(t, "applicant", c.ID)
	require.Equal(t, 1, timelineCount(final, "home_check", "approve"), "the timeline shows one decision")
	require.Empty(t, r.inbox(t, "village_officer", fmt.Sprintf("case_id=%d", c.ID)).Items)
}

type batchResult struct {
	TaskID int64  `json:"task_id"`
	Status int    `json:"status"`
	Detail string `json:"detail"`
}

// batchOf is a batch approving the tasks.
func batchOf(ids ...int64) map[string]any {
	ds := make([]map[string]any, 0, len(ids))
	for _, id := range ids {
		ds = append(ds, map[string]any{"task_id": id, "action": "approve"})
	}
	return map[string]any{"decisions": ds}
}

// countyTasks takes temporary-aid cases through the township stages to
// the county record, the stage a county approver decides in batches. It
// returns the cases, their urgent-aid tasks and (for the first n) their
// county tasks.
func countyTasks(t *testing.T, r *routes, n int, keys ...string) ([]caseView, []taskDoc, []taskDoc) {
	var cases []caseView
	var urgent, county []taskDoc
	for _, key := range keys {
		c := r.submitCase(t, "applicant", "linshi", village1, key)
		cases = append(cases, c)
		urgent = append(urgent, r.waitTask(t, "township_approver", c.ID, "urgent_aid"))
	}
	t.Run("inbox paging", func(t *testing.T) {
		var got []int64
		first := r.inbox(t, "township_approver", "limit=2")
		require.Len(t, first.Items, 2)
		require.NotNil(t, first.NextCursor)
		second := r.inbox(t, "township_approver", "limit=2&cursor="+*first.NextCursor)
		require.Nil(t, second.NextCursor)
		got = append(taskIDs(first), taskIDs(second)...)
		require.Equal(t, []int64{urgent[0].ID, urgent[1].ID, urgent[2].ID}, got)
	})
	for i := 0; i < n; i++ {
		r.ok(t, http.StatusOK, r.decide(t, "township_approver", urgent[i].ID, map[string]string{"action": "approve"}), nil)
		pw := r.waitTask(t, "township_clerk", cases[i].ID, "paperwork")
		r.ok(t, http.StatusOK, r.decide(t, "township_clerk", pw.ID, map[string]string{"action": "approve"}), nil)
		county = append(county, r.waitTask(t, "county_approver", cases[i].ID, "county_record"))
		r.waitStage(t, "applicant", cases[i].ID, "county_record")
	}
	return cases, urgent, county
}

// checkBatch: the county approver decides county tasks in batches; one
// result per task, a failure does not stop the others.
func checkBatch(t *testing.T, r *routes) {
	cases, urgent, county := countyTasks(t, r, 2, "batch-open", "batch-done", "batch-township")
	var done caseView
	r.ok(t, http.StatusOK, r.decide(t, "county_approver", county[1].ID, map[string]string{"action": "approve"}), &done)
	require.Equal(t, "approved", done.Status)

	url := "/api/v1/tasks/decisions"
	tooMany := make([]int64, 201)
	for i := range tooMany {
		tooMany[i] = county[0].ID
	}
	state := func(t *testing.T) []string {
		return r.snapshot(t, cases[0].ID, "applicant", "county_approver", "township_approver")
	}
	const u, bad = "county_approver", http.StatusUnprocessableEntity
	requireRejected(t, r, "POST", state, []rejection{
		{"no decisions field", u, url, map[string]any{}, bad, []string{"decisions"}},
		{"zero decisions", u, url, batchOf(), bad, []string{"decisions"}},
		{"201 decisions", u, url, batchOf(tooMany...), bad, []string{"decisions"}},
		{"no task_id", u, url, map[string]any{"decisions": []map[string]any{{"action": "approve"}}}, bad, []string{"decisions[0].task_id"}},
		{"no action", u, url, map[string]any{"decisions": []map[string]any{{"task_id": county[0].ID}, {"task_id": county[1].ID, "action": ""}}},
			bad, []string{"decisions[0].action", "decisions[1].action"}},
		{"not JSON", u, url, rawBody{"text/plain", []byte("approve all")}, http.StatusUnsupportedMediaType, nil},
		{"malformed JSON", u, url, rawBody{"application/json", []byte(`{"decisions":[`)}, http.StatusBadRequest, nil},
		{"by a township approver", "township_approver", url, batchOf(urgent[2].ID), http.StatusForbidden, nil},
		{"by an applicant", "applicant", url, batchOf(county[0].ID), http.StatusForbidden, nil},
	})

	var res struct{ Results []batchResult }
	ids := []int64{county[0].ID, 99999999, county[1].ID, urgent[2].ID}
	r.ok(t, http.StatusOK, r.send(t, "POST", url, u, batchOf(ids...)), &res)
	require.Len(t, res.Results, len(ids))
	var gotIDs []int64
	var statuses []int
	for _, x := range res.Results {
		gotIDs, statuses = append(gotIDs, x.TaskID), append(statuses, x.Status)
	}
	require.Equal(t, ids, gotIDs)
	require.Equal(t, []int{200, 404, 409, 404}, statuses, "the township task is not the county approver's")
	require.Contains(t, res.Results[2].Detail, "already decided: approve")
	c := r.getCase(t, "applicant", cases[0].ID)
	require.Equal(t, "approved", c.Status)
	require.Equal(t, 1, timelineCount(c, "county_record", "approve"))
	require.Equal(t, 1, timelineCount(r.getCase(t, "applicant", cases[1].ID), "county_record", "approve"))
	require.Equal(t, []int64{urgent[2].ID}, taskIDs(r.inbox(t, "township_approver", fmt.Sprintf("case_id=%d", cases[2].ID))),
		"a task the batch could not see is left as it was")
}
