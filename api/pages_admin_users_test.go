package api

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"testing"

	"github.com/assistflow/assistflow/store"
	"github.com/stretchr/testify/require"
)

// Grants added and removed and users disabled on the page take effect and
// are audited exactly as through the JSON API.
func TestAdminPagesGrantsAndDisable(t *testing.T) {
	ctx := context.Background()
	s := newDefinitionServer(t, false)
	b := newBrowser(t, s)
	b.signIn("admin")
	page := b.get("/admin/users")
	r := b.post("/admin/grants", url.Values{"_csrf": {page.csrf(t)}, "user": {"nobody"}, "role": {"auditor"}, "region": {store.DemoCounty}})
	require.Equal(t, http.StatusUnprocessableEntity, r.status)
	require.Contains(t, r.body, `no user &#34;nobody&#34;`)
	r = b.post("/admin/grants", url.Values{"_csrf": {page.csrf(t)}, "user": {"applicant"}, "role": {"auditor"}, "region": {"430722"}})
	require.Equal(t, http.StatusUnprocessableEntity, r.status, "a region outside the admin's county")

	r = b.post("/admin/grants", url.Values{"_csrf": {page.csrf(t)}, "user": {"applicant"}, "role": {"auditor"}, "region": {store.DemoCounty}})
	require.Equal(t, http.StatusSeeOther, r.status, r.body)
	u, err := s.store.UserByUsername(ctx, "applicant")
	require.NoError(t, err)
	gs, err := s.store.GrantsOf(ctx, u.ID)
	require.NoError(t, err)
	require.Len(t, gs, 2)
	var added store.Grant
	for _, g := range gs {
		if g.Role == "auditor" {
			added = g
		}
	}
	grantObj := "grant/" + strconv.FormatInt(added.ID, 10)
	require.Equal(t, []string{"grant.add"}, audited(t, s, grantObj))
	r = b.post("/admin/grants/"+strconv.FormatInt(added.ID, 10)+"/remove", url.Values{"_csrf": {page.csrf(t)}})
	require.Equal(t, http.StatusSeeOther, r.status)
	require.Equal(t, []string{"grant.add", "grant.remove"}, audited(t, s, grantObj))

	userObj := "user/" + strconv.FormatInt(u.ID, 10)
	r = b.post("/admin/users/"+strconv.FormatInt(u.ID, 10)+"/disable", url.Values{"_csrf": {page.csrf(t)}})
	require.Equal(t, http.StatusSeeOther, r.status)
	require.Contains(t, b.get("/admin/users").body, "已停用")
	other := newBrowser(t, s)
	login := other.get("/login")
	denied := other.post("/login", url.Values{"username": {"applicant"}, "password": {"demo"}, "_csrf": {login.csrf(t)}})
	require.NotEqual(t, http.StatusSeeOther, denied.status, "a disabled user cannot sign in")
	r = b.post("/admin/users/"+strconv.FormatInt(u.ID, 10)+"/enable", url.Values{"_csrf": {page.csrf(t)}})
	require.Equal(t, http.StatusSeeOther, r.status)
	require.Equal(t, []string{"user.disable", "user.enable"}, audited(t, s, userObj))

	me, err := s.store.UserByUsername(ctx, "admin")
	require.NoError(t, err)
	r = b.post("/admin/users/"+strconv.FormatInt(me.ID, 10)+"/disable", url.Values{"_csrf": {page.csrf(t)}})
	require.Equal(t, http.StatusConflict, r.status, "nobody disables themselves")
}

// Region rows import all or nothing from the page; a county admin sees the
// role permissions but may not change them (they are national).
func TestAdminPagesRegionsAndPolicies(t *testing.T) {
	ctx := context.Background()
	s := newDefinitionServer(t, false)
	b := newBrowser(t, s)
	b.signIn("admin")
	page := b.get("/admin/regions")
	bad := "430721102,新镇,,township,430721\n430721102201,新村,,village,999999"
	r := b.post("/admin/regions/import", url.Values{"_csrf": {page.csrf(t)}, "csv": {bad}})
	require.Equal(t, http.StatusUnprocessableEntity, r.status)
	require.Contains(t, r.body, "<code>rows[1].parent</code>")
	_, err := s.store.Region(ctx, "430721102")
	require.ErrorIs(t, err, store.ErrNotFound, "nothing imported from a file with a bad row")

	good := "code,name,name_en,level,parent\n430721102,新镇,,township,430721\n430721102201,新村,,village,430721102"
	r = b.post("/admin/regions/import", url.Values{"_csrf": {page.csrf(t)}, "csv": {good}})
	require.Equal(t, http.StatusSeeOther, r.status, r.body)
	require.Contains(t, b.get("/admin/regions").body, "430721102201")
	require.Equal(t, []string{"region.import"}, audited(t, s, "regions"))

	pol := b.get("/admin/policies")
	require.Equal(t, http.StatusOK, pol.status)
	require.Contains(t, pol.body, "<code>definition</code>")
	require.NotContains(t, pol.body, `id="policy-form"`, "a county admin cannot edit national policies")
	r = b.post("/admin/policies", url.Values{"_csrf": {page.csrf(t)}, "role": {"auditor"}, "object": {"case"}, "action": {"read"}})
	require.Equal(t, http.StatusForbidden, r.status)
}

// Every admin page reads well in both languages: no message key shows
// through in place of text.
func TestAdminPagesHaveNoRawKeys(t *testing.T) {
	rawKey := regexp.MustCompile(`>\s*admin\.[a-z_.]+|"admin\.[a-z_]+\.[a-z_.]+"`)
	for _, lang := range []string{"zh-CN", "en"} {
		s := newDefinitionServer(t, false)
		b := newBrowser(t, s)
		b.signIn("admin")
		b.cookies[langCookie] = &http.Cookie{Name: langCookie, Value: lang}
		page := b.get("/admin/definitions/dibao-application")
		require.Equal(t, http.StatusSeeOther, b.post("/admin/definitions/dibao-application/draft/start",
			url.Values{"_csrf": {page.csrf(t)}}).status)
		for _, p := range []string{"/admin/definitions", "/admin/definitions/dibao-application", "/admin/users",
			"/admin/regions", "/admin/policies"} {
			body := b.get(p).body
			require.Empty(t, rawKey.FindAllString(body, -1), "%s in %s", p, lang)
			require.Contains(t, body, `<html lang="`+lang+`">`)
		}
		sim := b.post("/admin/definitions/dibao-application/simulate", url.Values{"_csrf": {page.csrf(t)},
			"target": {"1"}, "scenario": {"{}"}})
		require.Equal(t, http.StatusOK, sim.status, sim.body)
		require.Empty(t, rawKey.FindAllString(sim.body, -1))
	}
}

// An administrator of a top-level region changes role permissions on the
// policies page; the change takes effect and is audited as through the API.
func TestAdminPagesPolicyChange(t *testing.T) {
	ctx := context.Background()
	s := newDefinitionServer(t, false)
	_, err := s.store.CreateUser(ctx, store.NewUser{Username: "province_admin", DisplayName: "省管理员", Password: "demo",
		Grants: []store.NewGrant{{Role: "admin", Region: "430000"}}})
	require.NoError(t, err)
	require.NoError(t, s.cfg.Authz.Refresh(ctx))
	b := newBrowser(t, s)
	b.signIn("province_admin")
	page := b.get("/admin/policies")
	require.Contains(t, page.body, `id="policy-form"`)
	r := b.post("/admin/policies", url.Values{"_csrf": {page.csrf(t)}, "role": {"auditor"}, "object": {""}, "action": {"read"}})
	require.Equal(t, http.StatusUnprocessableEntity, r.status)
	require.Contains(t, r.body, "<code>object</code>")

	auditor, err := s.store.UserByUsername(ctx, "auditor")
	require.NoError(t, err)
	require.False(t, s.cfg.Authz.AllowedSomewhere(auditor.ID, "region", "manage"))
	policy := url.Values{"_csrf": {page.csrf(t)}, "role": {"auditor"}, "object": {"region"}, "action": {"manage"}}
	require.Equal(t, http.StatusSeeOther, b.post("/admin/policies", policy).status)
	require.True(t, s.cfg.Authz.AllowedSomewhere(auditor.ID, "region", "manage"))
	require.Equal(t, http.StatusSeeOther, b.post("/admin/policies/remove", policy).status)
	require.False(t, s.cfg.Authz.AllowedSomewhere(auditor.ID, "region", "manage"))
	require.Equal(t, []string{"policy.add", "policy.remove"}, audited(t, s, "policy"))
}
