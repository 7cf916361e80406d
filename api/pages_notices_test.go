package api

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/assistflow/assistflow/process"
	"github.com/assistflow/assistflow/store"
	"github.com/stretchr/testify/require"
)

// objectionIdem reads the idempotency key of one case's objection form.
func objectionIdem(t *testing.T, body string, caseID int64) string {
	t.Helper()
	re := regexp.MustCompile(fmt.Sprintf(`(?s)action="/notices/%d/objections".*?name="idem" value="([0-9a-f]+)"`, caseID))
	m := re.FindStringSubmatch(body)
	require.NotNil(t, m, "no objection form for case %d", caseID)
	return m[1]
}

func countObjections(t *testing.T, s *Server, caseID int64) int64 {
	t.Helper()
	var n int64
	require.NoError(t, s.store.SQL().QueryRowContext(context.Background(),
		"SELECT COUNT(*) FROM objections WHERE case_id = ?", caseID).Scan(&n))
	return n
}

// TestObjectionFromTheNoticeBoard: the board offers a resident the form on
// a neighbour's case, never on their own, and bad input comes back inline
// with the API's field error and changes nothing. The server has no
// Temporal client, so a form that reached the workflow would fail with a
// 500: nothing here does. Filing through the real workflow, and sending
// the same form twice, are in e2e's TestBrowserChain.
func TestObjectionFromTheNoticeBoard(t *testing.T) {
	s := newTestServer(t, nil)
	ctx := context.Background()
	for _, d := range process.Builtins() {
		require.NoError(t, s.store.PublishBuiltin(ctx, d.Key, d.JSON()))
	}
	own, err := noticedCase(s, "王建国", "applicant")
	require.NoError(t, err)
	neighbour, err := noticedCase(s, "李四", "applicant2")
	require.NoError(t, err)

	b := newBrowser(t, s)
	b.signIn("applicant")
	board := b.get("/notices")
	require.Equal(t, http.StatusOK, board.status, board.body)
	require.Contains(t, board.body, "李四")
	require.Contains(t, board.body, "王建国")
	require.NotContains(t, board.body, "13900001111", "a notice never shows a phone")
	require.NotContains(t, board.body, fmt.Sprintf(`action="/notices/%d/objections"`, own.ID),
		"no form on one's own case")
	require.Contains(t, board.body, `<label for="obj-`+fmt.Sprint(neighbour.ID)+`">异议理由</label>`)
	idem := objectionIdem(t, board.body, neighbour.ID)
	path := fmt.Sprintf("/notices/%d/objections", neighbour.ID)
	form := func(reason string) url.Values {
		return url.Values{"_csrf": {board.csrf(t)}, "idem": {idem}, "region": {store.DemoVillage},
			"reason": {reason}, "anonymous": {"on"}}
	}

	for _, tc := range []struct{ name, reason, want string }{
		{"empty reason", "  \n ", "此项为必填"},
		{"reason too long", strings.Repeat("收", 2001), "内容过长"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := b.post(path, form(tc.reason))
			require.Equal(t, http.StatusUnprocessableEntity, p.status)
			require.Contains(t, p.header.Get("Content-Type"), "text/html")
			errID := fmt.Sprintf("obj-%d-err", neighbour.ID)
			require.Contains(t, p.body, `<div class="field-error" id="`+errID+`">`+tc.want+`</div>`,
				"the API's field error next to the field")
			require.Contains(t, p.body, `aria-invalid="true" aria-describedby="`+errID)
			require.Contains(t, p.body, "<details open>")
			require.Contains(t, p.body, strings.TrimSpace(tc.reason)+"</textarea>", "what was typed comes back")
			require.Equal(t, idem, objectionIdem(t, p.body, neighbour.ID), "the form keeps its key")
			require.Zero(t, countObjections(t, s, neighbour.ID), "a refused form files nothing")
		})
	}

	b.header.Set("Accept-Language", "en")
	en := b.get("/notices")
	require.Contains(t, en.body, "Object to this household")
	require.Contains(t, en.body, "Reason for the objection")
}

// TestObjectionFormFollowsTheAPIsRules: only users whose roles may object
// get the form and may post it, always with the session's CSRF token, and
// only to a case on notice. Without a Temporal client, a refusal that came
// from the workflow rather than the server would be a 500; the applicant's
// own case, which the workflow refuses, is in e2e (checkObjections).
func TestObjectionFormFollowsTheAPIsRules(t *testing.T) {
	s := newTestServer(t, nil)
	c, err := noticedCase(s, "李四", "applicant2")
	require.NoError(t, err)
	inReview := storedCase(t, s, "赵六", testIDNumber(t))
	path := fmt.Sprintf("/notices/%d/objections", c.ID)

	auditor := newBrowser(t, s)
	auditor.signIn("auditor")
	board := auditor.get("/notices")
	require.Equal(t, http.StatusOK, board.status, board.body)
	require.Contains(t, board.body, "李四", "an auditor reads the board")
	require.NotContains(t, board.body, `/objections"`, "but may not object")
	p := auditor.post(path, url.Values{"_csrf": {board.csrf(t)}, "idem": {"k1"}, "reason": {"收入较高"}})
	require.Equal(t, http.StatusForbidden, p.status)

	officer := newBrowser(t, s)
	officer.signIn("village_officer")
	board = officer.get("/notices")
	objectionIdem(t, board.body, c.ID) // officials may object too
	for _, tc := range []struct {
		name string
		path string
		form url.Values
		want int
	}{
		{"no CSRF token", path, url.Values{"reason": {"收入较高"}}, http.StatusForbidden},
		{"case not on notice", fmt.Sprintf("/notices/%d/objections", inReview.ID),
			url.Values{"_csrf": {board.csrf(t)}, "reason": {"收入较高"}}, http.StatusNotFound},
		{"no such case", "/notices/999999/objections", url.Values{"_csrf": {board.csrf(t)}, "reason": {"收入较高"}},
			http.StatusNotFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, officer.post(tc.path, tc.form).status)
		})
	}
	require.Zero(t, countObjections(t, s, c.ID))
}

// noticedCase stores a case as the workflow leaves it on public notice:
// projected in_notice with its notice open on the village board.
func noticedCase(s *Server, head, applicant string) (store.Case, error) {
	ctx := context.Background()
	u, err := s.store.UserByUsername(ctx, applicant)
	if err != nil {
		return store.Case{}, err
	}
	c, _, err := s.store.CreateCase(ctx, store.NewCase{Program: "monitoring", RegionCode: store.DemoVillage,
		Channel: "self_report", ApplicantID: u.ID, SubmittedBy: u.ID, IdempotencyKey: head,
		DefinitionKey: "monitoring-identification", DefinitionVersion: 1, HeadName: head, HouseholdSize: 3,
		Household: map[string]any{"head_name": head, "phone": "13900001111", "group": "三组"}})
	if err != nil {
		return store.Case{}, err
	}
	if err := s.store.Project(ctx, store.Projection{CaseID: c.ID, Seq: 1, Status: store.StatusInNotice,
		CurrentStages: []store.CurrentStage{{ID: "notice", Name: "公示"}}}); err != nil {
		return store.Case{}, err
	}
	now := time.Now()
	_, err = s.store.OpenNotice(ctx, fmt.Sprintf("case/%d/notice", c.ID), c.ID, "notice", store.DemoVillage,
		now, now.Add(5*24*time.Hour))
	return c, err
}
