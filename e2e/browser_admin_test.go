package e2e

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"
)

// admShots is where the admin pages' full-page screenshots go.
const admShots = "out/screenshots"

// admViewports are the sizes every admin page must work at: a tablet
// held landscape and upright.
var admViewports = [][2]int64{{1280, 800}, {800, 1280}}

// admTab is one headless Chromium tab that records every console error,
// uncaught exception and browser log error, and accepts confirm dialogs
// the way a person clicking "OK" would.
type admTab struct {
	t        *testing.T
	ctx      context.Context
	base     string
	mu       sync.Mutex
	problems []string
}

func admOpenBrowser(t *testing.T, base string) *admTab {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath("/usr/bin/chromium"),
		chromedp.NoSandbox, chromedp.DisableGPU, chromedp.WindowSize(1280, 800))
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	tab := &admTab{t: t, base: base}
	ctx, cancel := chromedp.NewContext(alloc, chromedp.WithListener(tab.listen))
	t.Cleanup(func() { cancel(); cancelAlloc() })
	tab.ctx = ctx
	require.NoError(t, chromedp.Do(ctx, chromedp.EmulateViewport(1280, 800)), "start chromium")
	tab.probe()
	return tab
}

// probe proves the console watch works before trusting its silence: a
// page error must show up in problems.
func (b *admTab) probe() {
	b.t.Helper()
	b.open("/login")
	admEval[chromedp.Void](b, `console.error("admin browser test probe")`)
	require.Eventually(b.t, func() bool {
		b.mu.Lock()
		defer b.mu.Unlock()
		return slices.ContainsFunc(b.problems, func(p string) bool { return strings.Contains(p, "probe") })
	}, 10*time.Second, 20*time.Millisecond, "the console watch missed a console.error")
	b.mu.Lock()
	b.problems = nil
	b.mu.Unlock()
}

// listen runs on the tab's event loop: it only records, and answers
// dialogs from another goroutine.
func (b *admTab) listen(ev any) {
	var problem string
	switch ev := ev.(type) {
	case *runtime.EventConsoleAPICalled:
		if ev.Type == runtime.ConsoleAPICalledTypeError {
			problem = "console.error:"
			for _, a := range ev.Args {
				problem += " " + string(a.Value) + a.Description
			}
		}
	case *runtime.EventExceptionThrown:
		problem = "exception: " + ev.ExceptionDetails.Text
		if ev.ExceptionDetails.Exception != nil {
			problem += " " + ev.ExceptionDetails.Exception.Description
		}
	case *log.EventEntryAdded:
		if ev.Entry.Level == log.EntryLevelError {
			problem = fmt.Sprintf("log %s: %s %s", ev.Entry.Source, ev.Entry.Text, ev.Entry.URL)
		}
	case *page.EventJavascriptDialogOpening:
		go func() {
			_, _ = chromedp.Call(b.ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: true})
		}()
	}
	if problem != "" {
		b.mu.Lock()
		b.problems = append(b.problems, problem)
		b.mu.Unlock()
	}
}

// do runs actions with a bound on how long they may take.
func (b *admTab) do(actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	require.NoError(b.t, chromedp.Do(ctx, actions...))
}

// eval evaluates a JavaScript expression in the page.
func admEval[T any](b *admTab, js string) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js))
	require.NoError(b.t, err, js)
	return v
}

// open loads a page and waits until it is complete.
func (b *admTab) open(path string) {
	b.t.Helper()
	b.do(chromedp.Navigate(b.base + path))
	b.waitLoaded()
}

// waitLoaded waits until the document has loaded.
func (b *admTab) waitLoaded() {
	b.t.Helper()
	require.Eventually(b.t, func() bool {
		ok, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](`document.readyState === "complete" && !window.__admOld`))
		return err == nil && ok
	}, 20*time.Second, 50*time.Millisecond)
}

// click clicks an element that sends the browser to another page and
// waits for that page: the old page is marked, the new one is not.
func (b *admTab) click(sel string) {
	b.t.Helper()
	admEval[chromedp.Void](b, `window.__admOld = true`)
	b.do(chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible))
	b.waitLoaded()
}

// setValue puts text into a field as pasting would.
func (b *admTab) setValue(sel, value string) {
	b.t.Helper()
	b.do(chromedp.SetValue(chromedp.CSS(sel), value, chromedp.NodeReady))
}

// text returns the text of the first element sel matches ("" if none).
func (b *admTab) text(sel string) string {
	b.t.Helper()
	return admEval[string](b, fmt.Sprintf(`(document.querySelector(%q) || {textContent: ""}).textContent`, sel))
}

// check screenshots the page at both sizes and fails on sideways
// scrolling and on any console problem so far.
func (b *admTab) check(name string) {
	b.t.Helper()
	require.NoError(b.t, os.MkdirAll(admShots, 0o755))
	for _, vp := range admViewports {
		b.do(chromedp.EmulateViewport(vp[0], vp[1]))
		over := admEval[int](b, `document.documentElement.scrollWidth - document.documentElement.clientWidth`)
		require.LessOrEqual(b.t, over, 0, "%s scrolls sideways at %dx%d", name, vp[0], vp[1])
		ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		cancel()
		require.NoError(b.t, err)
		file := filepath.Join(admShots, fmt.Sprintf("admin-%s-%dx%d.png", name, vp[0], vp[1]))
		require.NoError(b.t, os.WriteFile(file, png, 0o644))
	}
	b.do(chromedp.EmulateViewport(1280, 800))
	b.mu.Lock()
	defer b.mu.Unlock()
	require.Empty(b.t, b.problems, "console problems on %s", name)
}

// signIn uses the login page as a person would.
func (b *admTab) signIn(user, password, next string) {
	b.t.Helper()
	b.open("/lang?to=zh-CN&next=" + url.QueryEscape("/login?next="+next))
	b.setValue("#username", user)
	b.setValue("#password", password)
	b.click(`form[action="/login"] button[type="submit"]`)
}

// An administrator takes a definition from draft to a version active in a
// township entirely in the browser, then creates a user who signs in.
func TestBrowserAdmin(t *testing.T) {
	d := startDev(t, t.TempDir())
	b := admOpenBrowser(t, d.base)
	b.open("/admin/definitions")
	require.Equal(t, "/login", admEval[string](b, `location.pathname`), "anonymous visitors are sent to sign in")
	b.signIn("admin", "demo", "/admin/definitions")
	require.Contains(t, admEval[string](b, `location.pathname`), "/admin/definitions")
	require.NotEmpty(t, b.text(`#definitions a[href="/admin/definitions/linshi-urgent"]`))
	b.check("definitions")

	b.click(`#definitions a[href="/admin/definitions/linshi-urgent"]`)
	require.Contains(t, b.text("#diagram"), "先行救助审批", "the diagram is drawn inline")
	b.check("definition")
	b.click("#draft-start button")
	require.NotEmpty(t, b.text("#draft-valid"))

	admEditDraft(t, b)
	admSimulate(t, b)
	admPublishAndActivate(t, b, d)
	for _, page := range []string{"regions", "policies"} {
		b.open("/admin/" + page)
		b.check(page)
	}
	admCreateUser(t, b)
}

// admEditDraft breaks the draft, sees the validator's problem next to the
// editor by its path, and fixes it with a visible change.
func admEditDraft(t *testing.T, b *admTab) {
	admEval[chromedp.Void](b, `(function(){ var e = document.getElementById("draft-source");
		e.value = e.value.replace('"township_approver"', '"no_such_role"'); })()`)
	b.click(`#draft-form button[type="submit"]`)
	require.Contains(t, b.text(`#draft-problems li[data-field="stages[0].role"]`), "stages[0].role")
	require.Equal(t, "true", admEval[string](b, `document.getElementById("draft-source").getAttribute("aria-invalid")`))
	require.Empty(t, b.text("#publish-form"), "an invalid draft offers no publish button")
	b.check("draft-invalid")

	admEval[chromedp.Void](b, `(function(){ var e = document.getElementById("draft-source");
		e.value = e.value.replace('"no_such_role"', '"township_approver"').replace('"PT48H"', '"PT24H"'); })()`)
	b.click(`#draft-form button[type="submit"]`)
	require.NotEmpty(t, b.text("#draft-valid"))
	require.Contains(t, b.text("#diff"), "PT24H", "the diff against v1 shows the change")
	b.check("draft")
}

// admSimulate plays the default scenario through the draft and reads the
// path from the page.
func admSimulate(t *testing.T, b *admTab) {
	b.do(chromedp.SetValue(chromedp.CSS("#sim-target"), "draft"))
	b.setValue("#sim-scenario", "{}")
	b.click(`#simulate-form button[type="submit"]`)
	path := b.text("#sim-path")
	for _, stage := range []string{"urgent_aid", "paperwork", "county_record"} {
		require.Contains(t, path, stage)
	}
	require.NotEmpty(t, b.text("#sim-status"))
	b.check("simulate")
}

// admPublishAndActivate publishes the draft as v2, activates it for the
// township and checks the version list and the JSON API agree.
func admPublishAndActivate(t *testing.T, b *admTab, d *dev) {
	b.click(`#publish-form button[type="submit"]`)
	require.Contains(t, b.text(".flash"), "新版本已发布")
	require.NotEmpty(t, b.text(`#version-list tr[data-version="2"]`))

	b.do(chromedp.SetValue(chromedp.CSS("#act-version"), "2"), chromedp.SetValue(chromedp.CSS("#act-region"), "430721100"))
	b.click(`#activate-form button[type="submit"]`)
	require.Contains(t, b.text(".flash"), "版本已在所选地区启用")
	require.Contains(t, b.text(`#version-list tr[data-version="2"]`), "430721100")
	b.check("definition-published")

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

// admCreateUser creates a village officer with a grant on the users page;
// the new user then signs in on the login page.
func admCreateUser(t *testing.T, b *admTab) {
	b.open("/admin/users")
	b.check("users")
	b.setValue("#u-username", "village_clerk9")
	b.setValue("#u-display", "测试村干部")
	b.setValue("#u-password", "secret-pass-9")
	b.do(chromedp.SetValue(chromedp.CSS("#u-role"), "village_officer"),
		chromedp.SetValue(chromedp.CSS("#u-region"), "430721100201"))
	b.click(`#user-form button[type="submit"]`)
	require.Contains(t, b.text(".flash"), "用户已创建")
	row := b.text(`#user-list tr[data-user="village_clerk9"]`)
	require.Contains(t, row, "430721100201")
	require.Contains(t, row, "村级经办人")
	b.check("users-created")

	b.click(`form[action="/logout"] button`)
	b.signIn("village_clerk9", "secret-pass-9", "/")
	require.Equal(t, "测试村干部", strings.TrimSpace(b.text("header .user")))
	require.Contains(t, b.text("header .role"), "430721100201")
	b.check("new-user-home")
}

// With maker-checker on, publishing on the page records a request that a
// second administrator approves from the definitions list.
func TestBrowserAdminMakerChecker(t *testing.T) {
	d := startDev(t, t.TempDir(), "--maker-checker")
	second := map[string]any{"username": "admin_two", "display_name": "第二管理员", "password": "second-admin-2",
		"grants": []map[string]string{{"role": "admin", "region": "430721"}}}
	require.Equal(t, http.StatusCreated, d.call("POST", "/api/v1/admin/users", d.login("admin"), second, nil))
	b := admOpenBrowser(t, d.base)
	b.signIn("admin", "demo", "/admin/definitions/linshi-urgent")
	b.click("#draft-start button")
	require.NotEmpty(t, b.text("#draft-same"), "a draft just started is the latest version: nothing to publish")
	require.Empty(t, b.text("#publish-form"))
	admEval[chromedp.Void](b, `(function(){ var e = document.getElementById("draft-source");
		e.value = e.value.replace('"PT48H"', '"PT24H"'); })()`)
	b.click(`#draft-form button[type="submit"]`)
	b.click(`#publish-form button[type="submit"]`)
	require.Contains(t, b.text(".flash"), "需另一名管理员批准")
	require.Contains(t, b.text("#requests"), "发布")
	require.Empty(t, b.text(`#version-list tr[data-version="2"]`), "a request publishes nothing yet")
	b.check("maker-request")

	b.click(`form[action="/logout"] button`)
	b.signIn("admin_two", "second-admin-2", "/admin/definitions")
	require.Contains(t, b.text("#requests"), "linshi-urgent")
	b.check("maker-approve")
	b.click(`#requests a[href="/admin/definitions/linshi-urgent#requests"]`)
	require.Contains(t, b.text("#requests"), "PT48H → PT24H", "the checker reviews what the publish changes")
	b.check("maker-review")
	b.click(`#requests form[action$="/approve"] button[type="submit"]`)
	require.Contains(t, b.text(".flash"), "已批准")
	require.NotEmpty(t, b.text(`#version-list tr[data-version="2"]`))
	require.Equal(t, http.StatusOK, d.call("GET", "/api/v1/admin/definitions/linshi-urgent/versions/2", d.login("admin"), nil, nil))
}
