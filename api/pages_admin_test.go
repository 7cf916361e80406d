package api

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/assistflow/assistflow/store"
	"github.com/stretchr/testify/require"
)

// The admin pages have the JSON admin routes' access: anonymous visitors
// are sent to sign in, other roles get the 403 page, admins get the page.
func TestAdminPagesAccess(t *testing.T) {
	s := newDefinitionServer(t, false)
	pages := []string{"/admin/definitions", "/admin/definitions/dibao-application", "/admin/users",
		"/admin/regions", "/admin/policies"}
	anon := newBrowser(t, s)
	for _, p := range pages {
		r := anon.get(p)
		require.Equal(t, http.StatusSeeOther, r.status, p)
		require.Equal(t, "/login?next="+url.QueryEscape(p), r.header.Get("Location"))
	}
	applicant := newBrowser(t, s)
	applicant.signIn("township_approver")
	for _, p := range pages {
		r := applicant.get(p)
		require.Equal(t, http.StatusForbidden, r.status, p)
		require.Contains(t, r.body, "您的角色没有此项权限")
	}
	home := applicant.get("/")
	require.NotContains(t, home.body, `href="/admin/definitions"`, "no admin nav for other roles")

	admin := newBrowser(t, s)
	admin.signIn("admin")
	for _, p := range pages {
		r := admin.get(p)
		require.Equal(t, http.StatusOK, r.status, p)
	}
	def := admin.get("/admin/definitions/dibao-application")
	require.Contains(t, def.body, "<svg", "the diagram is inline")
	require.Contains(t, admin.get("/admin/definitions").body, `href="/admin/users"`, "admin nav")
	post := admin.post("/admin/definitions/dibao-application/draft/start", url.Values{})
	require.Equal(t, http.StatusForbidden, post.status, "a POST without the CSRF token is refused")
}

// The draft editor saves what parses, shows every problem of the draft by
// field path next to the editor, publishes only a valid draft, and each
// change is audited as the JSON API audits it.
func TestAdminPagesDraftToActiveVersion(t *testing.T) {
	s := newDefinitionServer(t, false)
	b := newBrowser(t, s)
	b.signIn("admin")
	const base = "/admin/definitions/linshi-urgent"
	page := b.get(base)
	r := b.post(base+"/draft/start", url.Values{"_csrf": {page.csrf(t)}})
	require.Equal(t, http.StatusSeeOther, r.status, r.body)
	page = b.get(base)
	require.Contains(t, page.body, "草稿已创建")
	require.Contains(t, page.body, `id="draft-valid"`)
	require.Contains(t, page.body, `id="draft-same"`)
	require.NotContains(t, page.body, `id="publish-form"`, "nothing new to publish")
	source := textareaValue(t, page.body, "draft-source")

	r = b.post(base+"/draft", url.Values{"_csrf": {page.csrf(t)}, "source": {"key: [unclosed"}})
	require.Equal(t, http.StatusUnprocessableEntity, r.status)
	require.Contains(t, r.body, "key: [unclosed", "the text typed stays in the editor")
	require.Contains(t, r.body, `aria-invalid="true"`)

	broken := strings.Replace(source, `"township_approver"`, `"no_such_role"`, 1)
	r = b.post(base+"/draft", url.Values{"_csrf": {page.csrf(t)}, "source": {broken}})
	require.Equal(t, http.StatusSeeOther, r.status, "a draft that parses is saved, problems and all")
	page = b.get(base)
	require.Contains(t, page.body, `data-field="stages[0].role"`)
	require.NotContains(t, page.body, `id="publish-form"`)
	r = b.post(base+"/publish", url.Values{"_csrf": {page.csrf(t)}})
	require.Equal(t, http.StatusUnprocessableEntity, r.status)
	_, err := s.store.DefinitionVersion(context.Background(), "linshi-urgent", 2)
	require.ErrorIs(t, err, store.ErrNotFound)

	fixed := strings.Replace(source, `"PT48H"`, `"PT24H"`, 1)
	require.Equal(t, http.StatusSeeOther, b.post(base+"/draft", url.Values{"_csrf": {page.csrf(t)}, "source": {fixed}}).status)
	page = b.get(base)
	require.Contains(t, page.body, `id="publish-form"`)
	require.Contains(t, page.body, "PT24H", "the diff shows the change against v1")
	sim := b.post(base+"/simulate", url.Values{"_csrf": {page.csrf(t)}, "target": {"draft"}, "scenario": {"{}"}})
	require.Equal(t, http.StatusOK, sim.status, sim.body)
	require.Contains(t, sim.body, `id="sim-path"`)
	require.Contains(t, sim.body, "<code>urgent_aid</code>")
	bad := b.post(base+"/simulate", url.Values{"_csrf": {page.csrf(t)}, "target": {"draft"}, "scenario": {`{"nope":1}`}})
	require.Equal(t, http.StatusUnprocessableEntity, bad.status)
	require.Contains(t, bad.body, "<code>scenario</code>")

	require.Equal(t, http.StatusSeeOther, b.post(base+"/publish", url.Values{"_csrf": {page.csrf(t)}}).status)
	r = b.post(base+"/activate", url.Values{"_csrf": {page.csrf(t)}, "version": {"2"}, "region": {"999999"}})
	require.Equal(t, http.StatusUnprocessableEntity, r.status)
	require.Contains(t, r.body, `unknown region`)
	r = b.post(base+"/activate", url.Values{"_csrf": {page.csrf(t)}, "version": {"2"}, "region": {store.DemoTownship}})
	require.Equal(t, http.StatusSeeOther, r.status, r.body)
	page = b.get(base)
	require.Contains(t, page.body, "版本已在所选地区启用")
	v2 := page.body[strings.Index(page.body, `data-version="2"`):]
	require.Contains(t, v2[:strings.Index(v2, "</tr>")], store.DemoTownship, "the version list shows where v2 is active")
	village, err := s.store.Region(context.Background(), store.DemoVillage)
	require.NoError(t, err)
	row, err := s.store.ActiveDefinition(context.Background(), "linshi-urgent", village.Path)
	require.NoError(t, err)
	require.Equal(t, 2, row.Version)
	require.Equal(t, []string{"definition.draft.create", "definition.draft.replace", "definition.draft.replace",
		"definition.publish", "definition.activate"}, audited(t, s, "definition/linshi-urgent"))
}

// Under maker-checker the page records a request, and a second
// administrator approves it from the list.
func TestAdminPagesMakerChecker(t *testing.T) {
	ctx := context.Background()
	s := newDefinitionServer(t, true)
	_, err := s.store.CreateUser(ctx, store.NewUser{Username: "admin2", DisplayName: "admin2", Password: "demo",
		Grants: []store.NewGrant{{Role: "admin", Region: store.DemoCounty}}})
	require.NoError(t, err)
	require.NoError(t, s.cfg.Authz.Refresh(ctx))
	maker, checker := newBrowser(t, s), newBrowser(t, s)
	maker.signIn("admin")
	checker.signIn("admin2")
	const base = "/admin/definitions/linshi-urgent"
	page := maker.get(base)
	require.Equal(t, http.StatusSeeOther, maker.post(base+"/draft/start", url.Values{"_csrf": {page.csrf(t)}}).status)
	source := strings.Replace(textareaValue(t, maker.get(base).body, "draft-source"), `"PT48H"`, `"PT24H"`, 1)
	require.Equal(t, http.StatusSeeOther, maker.post(base+"/draft", url.Values{"_csrf": {page.csrf(t)}, "source": {source}}).status)
	require.Equal(t, http.StatusSeeOther, maker.post(base+"/publish", url.Values{"_csrf": {page.csrf(t)}}).status)
	mine := maker.get(base)
	require.Contains(t, mine.body, "您提出的申请，需另一名管理员批准")
	require.NotContains(t, mine.body, "/approve", "the maker is offered no approve button")
	review := checker.get(base)
	requests := review.body[strings.Index(review.body, `id="requests"`):strings.Index(review.body, `id="versions"`)]
	require.Contains(t, requests, "PT48H → PT24H", "the checker sees what the publish changes")
	list := checker.get("/admin/definitions")
	require.Contains(t, list.body, `id="requests"`)
	reqs, err := s.store.PendingRequests(ctx)
	require.NoError(t, err)
	require.Len(t, reqs, 1)
	approve := "/admin/definitions/requests/" + itoa(reqs[0].ID) + "/approve"
	require.Equal(t, http.StatusForbidden, maker.post(approve, url.Values{"_csrf": {page.csrf(t)}}).status)
	r := checker.post(approve, url.Values{"_csrf": {list.csrf(t)}})
	require.Equal(t, http.StatusSeeOther, r.status, r.body)
	_, err = s.store.DefinitionVersion(ctx, "linshi-urgent", 2)
	require.NoError(t, err)
	require.Equal(t, []string{"definition.draft.create", "definition.draft.replace", "definition.request", "definition.request.approve"},
		audited(t, s, "definition/linshi-urgent"))
}

// Users created on the page get their grant, and refused input comes
// back by field without creating anything.
func TestAdminPagesUsers(t *testing.T) {
	s := newDefinitionServer(t, false)
	b := newBrowser(t, s)
	b.signIn("admin")
	page := b.get("/admin/users")
	r := b.post("/admin/users", url.Values{"_csrf": {page.csrf(t)}, "username": {"X"}, "display_name": {"新人"},
		"password": {"short"}, "role": {"village_officer"}, "region": {store.DemoVillage}})
	require.Equal(t, http.StatusUnprocessableEntity, r.status)
	require.Contains(t, r.body, `id="u-username" name="username" autocomplete="off" value="X" aria-describedby="u-username-err" aria-invalid="true"`)
	require.Contains(t, r.body, `id="u-password" name="password" type="password" autocomplete="new-password" aria-describedby="u-password-err" aria-invalid="true"`)
	r = b.post("/admin/users", url.Values{"_csrf": {page.csrf(t)}, "username": {"new_officer"}, "display_name": {"新人"},
		"password": {"longenough"}, "role": {"village_officer"}, "region": {store.DemoVillage}})
	require.Equal(t, http.StatusSeeOther, r.status, r.body)
	u, err := s.store.UserByUsername(context.Background(), "new_officer")
	require.NoError(t, err)
	gs, err := s.store.GrantsOf(context.Background(), u.ID)
	require.NoError(t, err)
	require.Len(t, gs, 1)
	require.Equal(t, "village_officer", gs[0].Role)
	require.Contains(t, b.get("/admin/users").body, `data-user="new_officer"`)
	require.Equal(t, []string{"user.create"}, audited(t, s, "user/"+itoa(u.ID)))
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// textareaValue reads the text of a textarea by id, unescaped.
func textareaValue(t *testing.T, body, id string) string {
	t.Helper()
	i := strings.Index(body, `id="`+id+`"`)
	require.GreaterOrEqual(t, i, 0, "no textarea %s", id)
	start := strings.Index(body[i:], ">") + i + 1
	end := strings.Index(body[start:], "</textarea>") + start
	return html.UnescapeString(body[start:end])
}
