package e2e

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"
)

// The admin pages' browser tests use the helpers of browser_helpers_test.go
// (newChrome, open, submit, capture); what only they need is here.

// adminProbeConsole proves the console watch works before trusting its
// silence: an error the page reports must be caught.
func adminProbeConsole(c *chrome) {
	c.t.Helper()
	c.open("/login")
	c.eval(`console.error("admin browser test probe")`)
	c.expected("console.error", "admin browser test probe")
	c.requireClean("console probe")
}

// adminSignInAs signs in with a password other than the demo one (a user the
// test created) and lands on next.
func adminSignInAs(c *chrome, user, password, next string) {
	c.t.Helper()
	c.open("/login?next=" + next)
	c.do(chromedp.SendKeys(chromedp.ID("username"), user), chromedp.SendKeys(chromedp.ID("password"), password))
	c.submit(`form[action="/login"] button[type=submit]`)
	require.Equal(c.t, "", c.eval(`document.querySelector("#login-error") ? "refused" : ""`), "%s is signed in", user)
}

// adminSetSource rewrites the draft editor's text, as a person editing it would.
func adminSetSource(c *chrome, from, to string) {
	c.t.Helper()
	c.eval(`(function(){ var e = document.getElementById("draft-source"); e.value = e.value.replace(` +
		adminJS(from) + `, ` + adminJS(to) + `); })()`)
}

// has reports whether an element exists.
func adminHas(c *chrome, css string) bool {
	c.t.Helper()
	return c.eval(`!!document.querySelector(` + adminJS(css) + `)`).(bool)
}

func adminJS(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// TestBrowserAdmin: an administrator takes a definition from draft to a
// version active in a township entirely in the browser — a broken draft
// shows the validator's problem next to the editor — then creates a user
// who signs in. Every main admin page is checked for console errors and
// sideways scrolling at 1280×800 and 800×1280 and screenshot.
func TestBrowserAdmin(t *testing.T) {
	d := startDev(t, t.TempDir())
	b := newChrome(t, d.base)
	adminProbeConsole(b)
	b.open("/admin/definitions")
	require.Equal(t, "/login", b.eval(`location.pathname`), "anonymous visitors are sent to sign in")
	b.signIn("admin")
	b.open("/admin/definitions")
	require.True(t, adminHas(b, `#definitions a[href="/admin/definitions/linshi-urgent"]`))
	b.capture("admin-definitions")

	b.submit(`#definitions a[href="/admin/definitions/linshi-urgent"]`)
	require.Contains(t, b.text("#diagram"), "先行救助审批", "the diagram is drawn inline")
	b.capture("admin-definition")
	b.submit("#draft-start button")
	require.True(t, adminHas(b, "#draft-same"), "a draft just started is the latest version: nothing to publish")
	require.False(t, adminHas(b, "#publish-form"))

	adminEditDraft(t, b)
	adminSimulate(t, b)
	adminPublishAndActivate(t, b, d)
	for _, page := range []string{"regions", "policies"} {
		b.open("/admin/" + page)
		b.capture("admin-" + page)
	}
	adminCreateUser(t, b)
}

// adminEditDraft breaks the draft, sees the validator's problem next to
// the editor by its path, and fixes it with a visible change.
func adminEditDraft(t *testing.T, b *chrome) {
	adminSetSource(b, `"township_approver"`, `"no_such_role"`)
	b.submit(`#draft-form button[type="submit"]`)
	require.Contains(t, b.text(".flash"), "还有问题")
	require.Contains(t, b.text(`#draft-problems li[data-field="stages[0].role"]`), "no_such_role")
	require.Equal(t, "true", b.eval(`document.getElementById("draft-source").getAttribute("aria-invalid")`))
	require.False(t, adminHas(b, "#publish-form"), "an invalid draft offers no publish button")
	b.capture("admin-draft-invalid")

	adminSetSource(b, `"no_such_role"`, `"township_approver"`)
	adminSetSource(b, `"PT48H"`, `"PT24H"`)
	b.submit(`#draft-form button[type="submit"]`)
	require.True(t, adminHas(b, "#draft-valid"))
	require.True(t, adminHas(b, "#publish-form"))
	require.Contains(t, b.text("#diff"), "PT24H", "the diff against v1 shows the change")
	b.capture("admin-draft")
}

// adminSimulate plays the default scenario through the draft and reads
// the path from the page.
func adminSimulate(t *testing.T, b *chrome) {
	b.do(chromedp.SetValue(chromedp.CSS("#sim-target"), "draft"), chromedp.SetValue(chromedp.CSS("#sim-scenario"), "{}"))
	b.submit(`#simulate-form button[type="submit"]`)
	path := b.text("#sim-path")
	for _, stage := range []string{"urgent_aid", "paperwork", "county_record"} {
		require.Contains(t, path, stage)
	}
	require.Equal(t, "approved", b.text("#sim-status"))
	b.capture("admin-simulate")
}

// adminPublishAndActivate publishes the draft as v2, activates it for the
// township and checks that the version list and the JSON API agree.
func adminPublishAndActivate(t *testing.T, b *chrome, d *dev) {
	b.expectConfirm()
	b.submit(`#publish-form button[type="submit"]`)
	require.Contains(t, b.text(".flash"), "新版本已发布")
	require.True(t, adminHas(b, `#version-list tr[data-version="2"]`))

	b.do(chromedp.SetValue(chromedp.CSS("#act-version"), "2"), chromedp.SetValue(chromedp.CSS("#act-region"), "430721100"))
	b.submit(`#activate-form button[type="submit"]`)
	require.Contains(t, b.text(".flash"), "版本已在所选地区启用")
	require.Contains(t, b.text(`#version-list tr[data-version="2"]`), "430721100")
	b.capture("admin-definition-published")

	var acts struct {
		Items []struct {
			Version int    `json:"version"`
			Region  string `json:"region"`
		} `json:"items"`
	}
	require.Equal(t, http.StatusOK, d.call("GET", "/api/v1/admin/definitions/linshi-urgent/activations", d.login("admin"), nil, &acts))
	found := false
	for _, a := range acts.Items {
		found = found || (a.Version == 2 && a.Region == "430721100")
	}
	require.True(t, found, "the API lists v2 active in 430721100: %+v", acts.Items)
}

// adminCreateUser creates a village officer with a grant on the users
// page; the new user then signs in on the login page.
func adminCreateUser(t *testing.T, b *chrome) {
	b.open("/admin/users")
	b.capture("admin-users")
	b.do(chromedp.SendKeys(chromedp.ID("u-username"), "village_clerk9"), chromedp.SendKeys(chromedp.ID("u-display"), "测试村干部"),
		chromedp.SendKeys(chromedp.ID("u-password"), "secret-pass-9"),
		chromedp.SetValue(chromedp.CSS("#u-role"), "village_officer"), chromedp.SetValue(chromedp.CSS("#u-region"), "430721100201"))
	b.submit(`#user-form button[type="submit"]`)
	require.Contains(t, b.text(".flash"), "用户已创建")
	row := b.text(`#user-list tr[data-user="village_clerk9"]`)
	require.Contains(t, row, "430721100201")
	require.Contains(t, row, "村级经办人")
	b.capture("admin-users-created")

	b.submit(`form[action="/logout"] button`)
	adminSignInAs(b, "village_clerk9", "secret-pass-9", "/")
	require.Equal(t, "测试村干部", b.text("header .user"))
	require.Contains(t, b.text("header .role"), "430721100201")
	b.capture("admin-new-user-home")
}

// TestBrowserAdminMakerChecker: with maker-checker on, publishing on the
// page records a request that a second administrator reviews and approves.
func TestBrowserAdminMakerChecker(t *testing.T) {
	d := startDev(t, t.TempDir(), "--maker-checker")
	second := map[string]any{"username": "admin_two", "display_name": "第二管理员", "password": "second-admin-2",
		"grants": []map[string]string{{"role": "admin", "region": "430721"}}}
	require.Equal(t, http.StatusCreated, d.call("POST", "/api/v1/admin/users", d.login("admin"), second, nil))
	b := newChrome(t, d.base)
	b.signIn("admin")
	b.open("/admin/definitions/linshi-urgent")
	b.submit("#draft-start button")
	adminSetSource(b, `"PT48H"`, `"PT24H"`)
	b.submit(`#draft-form button[type="submit"]`)
	b.expectConfirm()
	b.submit(`#publish-form button[type="submit"]`)
	require.Contains(t, b.text(".flash"), "需另一名管理员批准")
	require.Contains(t, b.text("#requests"), "您提出的申请")
	require.False(t, adminHas(b, `#requests form[action$="/approve"]`), "the maker cannot approve")
	require.False(t, adminHas(b, `#version-list tr[data-version="2"]`), "a request publishes nothing yet")
	b.capture("admin-maker-request")

	b.submit(`form[action="/logout"] button`)
	adminSignInAs(b, "admin_two", "second-admin-2", "/admin/definitions")
	require.Equal(t, "/admin/definitions", b.eval(`location.pathname`))
	require.Contains(t, b.text("#requests"), "linshi-urgent")
	b.capture("admin-maker-approve")
	b.submit(`#requests a[href="/admin/definitions/linshi-urgent#requests"]`)
	require.Contains(t, b.text("#requests"), "PT48H → PT24H", "the checker reviews what the publish changes")
	b.capture("admin-maker-review")
	b.submit(`#requests form[action$="/approve"] button[type="submit"]`)
	require.Contains(t, b.text(".flash"), "已批准")
	require.True(t, adminHas(b, `#version-list tr[data-version="2"]`))
	require.Equal(t, http.StatusOK, d.call("GET", "/api/v1/admin/definitions/linshi-urgent/versions/2", d.login("admin"), nil, nil))
}
