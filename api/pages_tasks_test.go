package api

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/assistflow/assistflow/store"
	"github.com/stretchr/testify/require"
)

// caseTask stores a case waiting at home_check with its open task for the
// village officer, as the workflow would have left them, and returns the
// task.
func caseTask(t *testing.T, s *Server) store.Task {
	t.Helper()
	cs := storedCase(t, s, "张三", testIDNumber(t))
	task, err := s.store.OpenTask(context.Background(), store.NewTask{Key: fmt.Sprintf("case/%d/home_check", cs.ID),
		WorkflowID: fmt.Sprintf("case/%d", cs.ID), Stage: "home_check", StageName: "入户核实", Kind: "review",
		Role: "village_officer", RegionCode: store.DemoVillage, CaseID: cs.ID, Actions: []string{"approve", "reject"}})
	require.NoError(t, err)
	return task
}

// claimOnPage claims the task through the case page's claim button.
func (b *browser) claimOnPage(task store.Task) {
	b.t.Helper()
	p := b.get(fmt.Sprintf("/cases/%d", task.CaseID))
	require.Contains(b.t, p.body, fmt.Sprintf(`action="/tasks/%d/claim"`, task.ID))
	r := b.post(fmt.Sprintf("/tasks/%d/claim", task.ID), url.Values{"_csrf": {p.csrf(b.t)}})
	require.Equal(b.t, http.StatusSeeOther, r.status, r.body)
}

func reload(t *testing.T, s *Server, task store.Task) store.Task {
	t.Helper()
	got, err := s.store.Task(context.Background(), task.ID)
	require.NoError(t, err)
	return got
}

func userID(t *testing.T, s *Server, username string) int64 {
	t.Helper()
	u, err := s.store.UserByUsername(context.Background(), username)
	require.NoError(t, err)
	return u.ID
}

// inFormat is how a browser's datetime-local field sends a time, in the
// officials' clock.
func inFormat(at time.Time) string { return at.In(cst).Format("2006-01-02T15:04") }

func TestUnclaimOnTheCasePageReturnsTheTaskToThePool(t *testing.T) {
	s := newTestServer(t, nil)
	task := caseTask(t, s)
	b := newBrowser(t, s)
	b.signIn("village_officer")
	unclaimForm := fmt.Sprintf(`action="/tasks/%d/unclaim"`, task.ID)
	require.NotContains(t, b.get(fmt.Sprintf("/cases/%d", task.CaseID)).body, unclaimForm, "nothing to return before claiming")
	require.Contains(t, b.inbox("/inbox?view=claimable").rows, task.CaseID)

	b.claimOnPage(task)
	require.NotContains(t, b.inbox("/inbox?view=claimable").rows, task.CaseID)
	require.Contains(t, b.inbox("/inbox?view=mine").rows, task.CaseID)
	p := b.get(fmt.Sprintf("/cases/%d", task.CaseID))
	require.Contains(t, p.body, unclaimForm)
	require.Contains(t, p.body, "放回任务池")

	path := fmt.Sprintf("/tasks/%d/unclaim", task.ID)
	require.Equal(t, http.StatusForbidden, b.post(path, url.Values{}).status, "no CSRF token")
	require.Equal(t, http.StatusForbidden, b.post(path, url.Values{"_csrf": {"forged"}}).status)
	require.Equal(t, userID(t, s, "village_officer"), *reload(t, s, task).AssigneeID, "a refused request changes nothing")

	r := b.post(path, url.Values{"_csrf": {p.csrf(t)}})
	require.Equal(t, http.StatusSeeOther, r.status, r.body)
	require.Equal(t, fmt.Sprintf("/cases/%d#decide", task.CaseID), r.header.Get("Location"))
	back := b.get(fmt.Sprintf("/cases/%d", task.CaseID))
	require.Contains(t, back.body, "任务已放回任务池。")
	require.NotContains(t, back.body, unclaimForm)
	require.Contains(t, back.body, fmt.Sprintf(`action="/tasks/%d/claim"`, task.ID))
	require.Nil(t, reload(t, s, task).AssigneeID)
	require.Contains(t, b.inbox("/inbox?view=claimable").rows, task.CaseID)
	require.NotContains(t, b.inbox("/inbox?view=mine").rows, task.CaseID)

	again := b.post(path, url.Values{"_csrf": {p.csrf(t)}})
	require.Equal(t, http.StatusConflict, again.status, "a task nobody holds cannot be returned")
}

func TestDelegateOnTheCasePageHandsTheTaskToTheActingOfficial(t *testing.T) {
	s := newTestServer(t, nil)
	task := caseTask(t, s)
	committee := newBrowser(t, s)
	committee.signIn("village_committee")
	require.NotContains(t, committee.inbox("/inbox?view=all").rows, task.CaseID, "another role's task")

	b := newBrowser(t, s)
	b.signIn("village_officer")
	b.claimOnPage(task)
	p := b.get(fmt.Sprintf("/cases/%d", task.CaseID))
	form := p.body[strings.Index(p.body, fmt.Sprintf(`id="delegate-%d"`, task.ID)):]
	form = form[:strings.Index(form, "</form>")]
	for _, who := range []string{"village_committee", "township_approver", "county_approver"} {
		require.Contains(t, form, `<option value="`+who+`"`, "%s may act on a village task", who)
	}
	for _, who := range []string{"village_officer", "village_officer2", "applicant", "auditor", "admin"} {
		require.NotContains(t, form, `<option value="`+who+`"`, "%s may not be chosen", who)
	}

	until := time.Now().Add(48 * time.Hour)
	r := b.post(fmt.Sprintf("/tasks/%d/delegate", task.ID), url.Values{"_csrf": {p.csrf(t)},
		"to_user": {"village_committee"}, "until": {inFormat(until)}})
	require.Equal(t, http.StatusSeeOther, r.status, r.body)
	require.Contains(t, b.get(fmt.Sprintf("/cases/%d", task.CaseID)).body, "任务已委托代办。")
	got := reload(t, s, task)
	require.Equal(t, userID(t, s, "village_committee"), *got.DelegateID)
	require.Equal(t, userID(t, s, "village_officer"), *got.AssigneeID, "the holder keeps the task")
	require.WithinDuration(t, until.Truncate(time.Minute), *got.DelegateUntil, time.Second, "the form's time, read in CST")
	require.Equal(t, []string{"task.delegate"}, audited(t, s, fmt.Sprintf("task/%d", task.ID)))

	require.Contains(t, committee.inbox("/inbox?view=all").rows, task.CaseID)
	acting := committee.get(fmt.Sprintf("/cases/%d", task.CaseID))
	require.Contains(t, acting.body, fmt.Sprintf(`action="/tasks/%d/decision"`, task.ID), "the acting official may decide")
	require.NotContains(t, acting.body, fmt.Sprintf(`action="/tasks/%d/unclaim"`, task.ID), "but does not hold it")
}

func TestRefusedDelegationShowsTheAPIsErrorsInlineAndChangesNothing(t *testing.T) {
	s := newTestServer(t, nil)
	task := caseTask(t, s)
	b := newBrowser(t, s)
	b.signIn("village_officer")
	b.claimOnPage(task)
	p := b.get(fmt.Sprintf("/cases/%d", task.CaseID))
	tomorrow := inFormat(time.Now().Add(24 * time.Hour))
	for _, tc := range []struct {
		name, to, until, field, message string
	}{
		{"to oneself", "village_officer", tomorrow, "to", "must be someone other than you, the holder"},
		{"to an unknown user", "nobody", tomorrow, "to", "no active user &#34;nobody&#34;"},
		{"to someone without an official role here", "village_officer2", tomorrow, "to", "must hold an official role over the task&#39;s region"},
		{"until a past time", "village_committee", inFormat(time.Now().Add(-time.Hour)), "until", "an RFC 3339 time in the future"},
		{"beyond 90 days", "village_committee", inFormat(time.Now().Add(91 * 24 * time.Hour)), "until", "at most 90 days ahead"},
		{"without an end time", "village_committee", "", "until", "an RFC 3339 time in the future"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := b.post(fmt.Sprintf("/tasks/%d/delegate", task.ID), url.Values{"_csrf": {p.csrf(t)},
				"to_user": {tc.to}, "until": {tc.until}})
			require.Equal(t, http.StatusUnprocessableEntity, r.status, r.body)
			errSpan := fmt.Sprintf(`id="%s-%d-err">`, tc.field, task.ID)
			at := strings.Index(r.body, errSpan)
			require.Positive(t, at, r.body)
			require.Contains(t, r.body[at:at+len(errSpan)+120], tc.message, "the message beside its field")
			require.Contains(t, r.body, fmt.Sprintf(`id="%s-%d" name=`, tc.field, task.ID))
			require.Regexp(t, fmt.Sprintf(`id="%s-%d" [^>]*aria-invalid="true"`, tc.field, task.ID), r.body)
			require.Contains(t, r.body, `<details class="delegate" open>`)
			if tc.until != "" {
				require.Contains(t, r.body, `value="`+tc.until+`"`, "the form keeps what was typed")
			}
			got := reload(t, s, task)
			require.Nil(t, got.DelegateID)
			require.Nil(t, got.DelegateUntil)
		})
	}
	r := b.post(fmt.Sprintf("/tasks/%d/delegate", task.ID), url.Values{"to_user": {"village_committee"}, "until": {tomorrow}})
	require.Equal(t, http.StatusForbidden, r.status, "no CSRF token")
	require.Nil(t, reload(t, s, task).DelegateID)
	require.Empty(t, audited(t, s, fmt.Sprintf("task/%d", task.ID)), "nothing refused is audited")
}

// An official who sees the task but has not claimed it gets neither
// button, and their requests are refused.
func TestOnlyTheHolderReturnsOrDelegatesATask(t *testing.T) {
	ctx := context.Background()
	s := newTestServer(t, nil)
	task := caseTask(t, s)
	_, err := s.store.CreateUser(ctx, store.NewUser{Username: "village_officer_b", DisplayName: "张红", Password: "demo",
		Grants: []store.NewGrant{{Role: "village_officer", Region: store.DemoVillage}}})
	require.NoError(t, err)
	require.NoError(t, s.cfg.Authz.Refresh(ctx))
	holder := newBrowser(t, s)
	holder.signIn("village_officer")
	holder.claimOnPage(task)

	other := newBrowser(t, s)
	other.signIn("village_officer_b")
	p := other.get(fmt.Sprintf("/cases/%d", task.CaseID))
	require.Equal(t, http.StatusOK, p.status)
	require.Contains(t, p.body, "该任务已由他人认领。")
	for _, action := range []string{"unclaim", "delegate", "claim", "decision"} {
		require.NotContains(t, p.body, fmt.Sprintf(`action="/tasks/%d/%s"`, task.ID, action))
	}
	r := other.post(fmt.Sprintf("/tasks/%d/unclaim", task.ID), url.Values{"_csrf": {p.csrf(t)}})
	require.Equal(t, http.StatusConflict, r.status, r.body)
	r = other.post(fmt.Sprintf("/tasks/%d/delegate", task.ID), url.Values{"_csrf": {p.csrf(t)},
		"to_user": {"village_committee"}, "until": {inFormat(time.Now().Add(24 * time.Hour))}})
	require.Equal(t, http.StatusConflict, r.status, r.body)
	got := reload(t, s, task)
	require.Equal(t, userID(t, s, "village_officer"), *got.AssigneeID)
	require.Nil(t, got.DelegateID)
	require.Empty(t, audited(t, s, fmt.Sprintf("task/%d", task.ID)))

	// An official of another village does not see the task at all.
	stranger := newBrowser(t, s)
	stranger.signIn("village_officer2")
	p = stranger.get("/inbox")
	r = stranger.post(fmt.Sprintf("/tasks/%d/unclaim", task.ID), url.Values{"_csrf": {p.csrf(t)}})
	require.Equal(t, http.StatusNotFound, r.status)
	require.False(t, slices.Contains(stranger.inbox("/inbox?view=all").rows, task.CaseID))
}
