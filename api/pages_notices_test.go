package api

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

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

// TestObjectionFromTheNoticeBoard: a resident files an objection to a
// neighbour's case from the board. Bad input comes back inline with the
// API's field error and changes nothing; a resubmission of the same form
// is one objection; the objection shows on the case page's timeline.
func TestObjectionFromTheNoticeBoard(t *testing.T) {
	var tmp *objectionTemporal
	s := newTestServer(t, withObjectionTemporal(&tmp))
	ctx := context.Background()
	for _, d := range process.Builtins() {
		require.NoError(t, s.store.PublishBuiltin(ctx, d.Key, d.JSON()))
	}
	own, err := noticedCase(s, "王建国", "applicant")
	require.NoError(t, err)
	neighbour, err := noticedCase(s, "李四", "applicant2")
	require.NoError(t, err)
	resident, err := s.store.UserByUsername(ctx, "applicant")
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
			require.Empty(t, tmp.received, "nothing reached the workflow")
		})
	}

	reason := "该户儿子在外务工，收入较高"
	ok := b.post(path, form(reason))
	require.Equal(t, http.StatusSeeOther, ok.status, ok.body)
	require.Equal(t, "/notices?region="+store.DemoVillage, ok.header.Get("Location"))
	after := b.get(ok.header.Get("Location"))
	require.Contains(t, after.body, "异议已提交")
	require.NotEqual(t, idem, objectionIdem(t, after.body, neighbour.ID), "a new form is a new objection")

	// The same form sent again (a double click, a reload): one objection.
	again := b.post(path, form(reason))
	require.Equal(t, http.StatusSeeOther, again.status, again.body)
	update := fmt.Sprintf("object/%d/page/%s", resident.ID, idem)
	require.Equal(t, 2, tmp.sent(update), "both sends carry the form's Update id")
	require.Equal(t, int64(1), countObjections(t, s, neighbour.ID))
	var filedBy int64
	var anonymous bool
	require.NoError(t, s.store.SQL().QueryRowContext(ctx, "SELECT filed_by, anonymous FROM objections WHERE case_id = ?",
		neighbour.ID).Scan(&filedBy, &anonymous))
	require.Equal(t, resident.ID, filedBy, "the system keeps who filed it")
	require.True(t, anonymous)

	// The village committee sees it on the case page's timeline.
	committee := newBrowser(t, s)
	committee.signIn("village_committee")
	cp := committee.get(fmt.Sprintf("/cases/%d", neighbour.ID))
	require.Equal(t, http.StatusOK, cp.status, cp.body)
	require.Contains(t, cp.body, "收到公示异议")
	require.Contains(t, cp.body, reason)

	b.header.Set("Accept-Language", "en")
	en := b.get("/notices")
	require.Contains(t, en.body, "Object to this household")
	require.Contains(t, en.body, "Reason for the objection")
}

// TestObjectionFormFollowsTheAPIsRules: only users whose roles may object
// get the form and may post it, always with the session's CSRF token, and
// only to a case on notice.
func TestObjectionFormFollowsTheAPIsRules(t *testing.T) {
	var tmp *objectionTemporal
	s := newTestServer(t, withObjectionTemporal(&tmp))
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
	require.Empty(t, tmp.received)

	// The applicant's own case is refused by the workflow, as over the API.
	owner := newBrowser(t, s)
	owner.signIn("applicant2")
	ownBoard := owner.get("/notices")
	require.NotContains(t, ownBoard.body, "李四", "applicant2's board is their own village's")
	p = owner.post(path, url.Values{"_csrf": {ownBoard.csrf(t)}, "idem": {"k2"}, "reason": {"收入较高"}})
	require.Equal(t, http.StatusForbidden, p.status)
	require.Zero(t, countObjections(t, s, c.ID))
}
