package api

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/assistflow/assistflow/store"
	"github.com/stretchr/testify/require"
)

// signsIn reports whether a fresh browser signs in with the password.
func signsIn(t *testing.T, s *Server, user, password string) bool {
	t.Helper()
	b := newBrowser(t, s)
	form := b.get("/login")
	p := b.post("/login", url.Values{"username": {user}, "password": {password}, "_csrf": {form.csrf(t)}, "next": {"/"}})
	return p.status == http.StatusSeeOther && b.cookies[sessionCookie] != nil
}

// fieldError is the text of a page's inline error span with the given id.
func fieldError(t *testing.T, body, id string) string {
	t.Helper()
	open := fmt.Sprintf(`<span class="field-error" id="%s">`, id)
	at := strings.Index(body, open)
	require.GreaterOrEqual(t, at, 0, "no %s on the page", id)
	rest := body[at+len(open):]
	return rest[:strings.Index(rest, "</span>")]
}

func TestAdminResetsAPasswordOnTheUsersPage(t *testing.T) {
	s := newTestServer(t, nil)
	officer := userID(t, s, "village_officer")
	path := fmt.Sprintf("/admin/users/%d/password", officer)
	object := fmt.Sprintf("user/%d", officer)
	officerDesk := newBrowser(t, s) // the officer, signed in before the reset
	officerDesk.signIn("village_officer")
	b := newBrowser(t, s)
	b.signIn("admin")
	page := b.get("/admin/users")
	require.Contains(t, page.body, fmt.Sprintf(`action="%s"`, path))
	csrf := page.csrf(t)

	for _, tc := range []struct {
		name, password, again, field, message string
	}{
		{"too short", "short1", "short1", "pw", "8 to 72 characters"},
		{"too long", strings.Repeat("x", 73), strings.Repeat("x", 73), "pw", "8 to 72 characters"},
		{"typed differently", "a-new-password", "a-new-passwort", "pw2", "两次输入的密码不一致。"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := b.post(path, url.Values{"_csrf": {csrf}, "password": {tc.password}, "password2": {tc.again}})
			require.Equal(t, http.StatusUnprocessableEntity, r.status, r.body)
			id := fmt.Sprintf("%s-%d", tc.field, officer)
			require.Contains(t, fieldError(t, r.body, id+"-err"), tc.message)
			require.Regexp(t, fmt.Sprintf(`id="%s" [^>]*aria-invalid="true"`, id), r.body)
			require.Contains(t, r.body, `<details class="password" open>`)
			require.NotContains(t, r.body, tc.password, "a password is never written back")
			require.True(t, signsIn(t, s, "village_officer", store.DemoPassword), "the old password still holds")
			require.Equal(t, http.StatusOK, officerDesk.get("/inbox").status, "a refused reset ends no session")
			require.Empty(t, audited(t, s, object))
		})
	}
	require.Equal(t, http.StatusForbidden, b.post(path, url.Values{"password": {"a-new-password"},
		"password2": {"a-new-password"}}).status, "no CSRF token")
	require.True(t, signsIn(t, s, "village_officer", store.DemoPassword))

	r := b.post(path, url.Values{"_csrf": {csrf}, "password": {"a-new-password"}, "password2": {"a-new-password"}})
	require.Equal(t, http.StatusSeeOther, r.status, r.body)
	require.Equal(t, "/admin/users", r.header.Get("Location"))
	require.Contains(t, b.get("/admin/users").body, "密码已重置，该用户此前的登录均已失效")
	require.Equal(t, http.StatusSeeOther, officerDesk.get("/inbox").status, "the officer's earlier session has ended")
	require.Equal(t, http.StatusOK, b.get("/admin/users").status, "the admin's own session goes on")
	require.Equal(t, []string{"user.reset_password"}, audited(t, s, object))
	require.False(t, signsIn(t, s, "village_officer", store.DemoPassword), "the old password no longer signs in")
	require.True(t, signsIn(t, s, "village_officer", "a-new-password"))
}

// The form shows only for users the admin manages, by the API's rule:
// someone who also holds a role outside the admin's county is refused.
func TestPasswordResetFollowsTheAPIsManagementRule(t *testing.T) {
	ctx := context.Background()
	s := newTestServer(t, nil)
	both, err := s.store.CreateUser(ctx, store.NewUser{Username: "two_counties", DisplayName: "两县", Password: "demo",
		Grants: []store.NewGrant{{Role: "village_officer", Region: store.DemoVillage}, {Role: "village_officer", Region: "430722100201"}}})
	require.NoError(t, err)
	require.NoError(t, s.cfg.Authz.Refresh(ctx))
	b := newBrowser(t, s)
	b.signIn("admin")
	page := b.get("/admin/users")
	require.Contains(t, page.body, `data-user="two_counties"`, "listed: one grant is in the admin's county")
	path := fmt.Sprintf("/admin/users/%d/password", both.ID)
	require.NotContains(t, page.body, fmt.Sprintf(`action="%s"`, path))
	r := b.post(path, url.Values{"_csrf": {page.csrf(t)}, "password": {"a-new-password"}, "password2": {"a-new-password"}})
	require.Equal(t, http.StatusNotFound, r.status)
	require.True(t, signsIn(t, s, "two_counties", "demo"))
	require.Empty(t, audited(t, s, fmt.Sprintf("user/%d", both.ID)))

	// The auditor reads the users page but manages nobody.
	a := newBrowser(t, s)
	a.signIn("auditor")
	list := a.get("/admin/users")
	require.Equal(t, http.StatusOK, list.status)
	require.Contains(t, list.body, `data-user="village_officer"`)
	require.NotContains(t, list.body, `/password"`)
}
