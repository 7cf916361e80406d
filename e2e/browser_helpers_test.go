package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"
)

// chromiumPath is Debian's chromium, which .ci/run installs. The browser
// test fails without it: a skipped browser test would hide broken pages.
const chromiumPath = "/usr/bin/chromium"

// screenshotDir is where the browser test writes its screenshots.
const screenshotDir = "out/screenshots"

// viewports are the sizes every main page must work at: a desktop or a
// tablet held sideways, and a 10-inch tablet held upright.
var viewports = []struct{ w, h int64 }{{1280, 800}, {800, 1280}}

// chrome is one headless Chromium tab driven over the DevTools protocol,
// with every console error, uncaught exception, error log entry and
// unexpected dialog of the page recorded.
type chrome struct {
	t    *testing.T
	ctx  context.Context
	base string

	mu       sync.Mutex
	problems []string
	// confirms is how many confirm() dialogs the test expects to accept.
	confirms int
}

func newChrome(t *testing.T, base string) *chrome {
	t.Helper()
	_, err := os.Stat(chromiumPath)
	require.NoError(t, err, "the browser test needs Debian's chromium at %s (apt-get install chromium fonts-noto-cjk)", chromiumPath)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.NoFirstRun, chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		// A browser set up for Chinese, as the users' are.
		chromedp.Flag("lang", "zh-CN"), chromedp.Flag("accept-lang", "zh-CN,zh"),
		chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1280, 800))
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	c := &chrome{t: t, base: base}
	ctx, cancel := chromedp.NewContext(allocCtx, chromedp.WithListener(c.record))
	t.Cleanup(func() { cancel(); cancelAlloc() })
	c.ctx = ctx
	require.NoError(t, chromedp.Do(ctx, chromedp.EmulateViewport(1280, 800)))
	_, err = chromedp.Call(ctx, cdplog.Enable, cdp.Empty{})
	require.NoError(t, err)
	go c.answerDialogs()
	return c
}

// record runs in the tab's event loop: it only notes what went wrong.
func (c *chrome) record(ev any) {
	var msg string
	switch ev := ev.(type) {
	case *runtime.EventConsoleAPICalled:
		if ev.Type == runtime.ConsoleAPICalledTypeError {
			var args []string
			for _, a := range ev.Args {
				args = append(args, string(a.Value)+a.Description)
			}
			msg = "console.error: " + strings.Join(args, " ")
		}
	case *runtime.EventExceptionThrown:
		msg = "uncaught exception: " + ev.ExceptionDetails.Text
		if ev.ExceptionDetails.Exception != nil {
			msg += " " + ev.ExceptionDetails.Exception.Description
		}
	case *cdplog.EventEntryAdded:
		if ev.Entry.Level == cdplog.EntryLevelError {
			msg = fmt.Sprintf("log error (%s): %s %s", ev.Entry.Source, ev.Entry.Text, ev.Entry.URL)
		}
	}
	if msg != "" {
		c.mu.Lock()
		c.problems = append(c.problems, msg)
		c.mu.Unlock()
	}
}

// answerDialogs accepts the confirm() dialogs the test expects and records
// any other dialog (an alert would mean injected script ran).
func (c *chrome) answerDialogs() {
	for ev, err := range chromedp.Events(c.ctx, page.JavascriptDialogOpening) {
		if err != nil {
			return
		}
		c.mu.Lock()
		ok := ev.Type == page.DialogTypeConfirm && c.confirms > 0
		if ok {
			c.confirms--
		} else {
			c.problems = append(c.problems, fmt.Sprintf("unexpected %s dialog: %s", ev.Type, ev.Message))
		}
		c.mu.Unlock()
		_, _ = chromedp.Call(c.ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: ok})
	}
}

func (c *chrome) expectConfirm() {
	c.mu.Lock()
	c.confirms++
	c.mu.Unlock()
}

// requireClean fails the test on anything the page reported so far.
func (c *chrome) requireClean(where string) {
	c.t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	require.Empty(c.t, c.problems, "%s: the page reported errors", where)
}

// expected drops the one report the test caused on purpose (the browser
// logs the 404 of a page it was sent to); anything else stays.
func (c *chrome) expected(parts ...string) {
	c.t.Helper()
	// The log entry may trail the page load by a moment.
	require.Eventually(c.t, func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		for i, p := range c.problems {
			match := true
			for _, part := range parts {
				match = match && strings.Contains(p, part)
			}
			if match {
				c.problems = append(c.problems[:i], c.problems[i+1:]...)
				return true
			}
		}
		return false
	}, 5*time.Second, 20*time.Millisecond, "expected a report with %q", parts)
}

func (c *chrome) do(steps ...chromedp.Action[chromedp.Void]) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(c.ctx, 30*time.Second)
	defer cancel()
	require.NoError(c.t, chromedp.Do(ctx, steps...))
}

func (c *chrome) eval(js string) any {
	c.t.Helper()
	v, err := chromedp.Run(c.ctx, chromedp.Evaluate[any](js))
	require.NoError(c.t, err, js)
	return v
}

func (c *chrome) text(css string) string {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(c.ctx, 10*time.Second)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.TextContent(chromedp.CSS(css)))
	require.NoError(c.t, err, css)
	return strings.TrimSpace(s)
}

// open loads a page of the site and waits until it is ready.
func (c *chrome) open(path string) {
	c.t.Helper()
	c.do(chromedp.Navigate(c.base+path), chromedp.WaitReady(chromedp.CSS("footer.foot")))
}

// submit clicks a button that sends a form and waits for the page the
// browser lands on: a new document, fully loaded.
func (c *chrome) submit(css string) {
	c.t.Helper()
	c.eval(`window.__stale = true`)
	c.do(chromedp.Click(chromedp.CSS(css)))
	c.waitFor(`!window.__stale && document.readyState === "complete" && !!document.querySelector("footer.foot")`,
		"a new page after clicking "+css)
}

// waitFor polls a JavaScript condition; errors while the page is being
// replaced count as "not yet".
func (c *chrome) waitFor(js, what string) {
	c.t.Helper()
	require.Eventually(c.t, func() bool {
		ctx, cancel := context.WithTimeout(c.ctx, 5*time.Second)
		defer cancel()
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](js))
		return err == nil && ok
	}, 30*time.Second, 50*time.Millisecond, "waiting for %s", what)
}

// signIn starts a fresh session for user through the sign-in page.
func (c *chrome) signIn(user string) {
	c.t.Helper()
	_, err := chromedp.Call(c.ctx, network.ClearBrowserCookies, cdp.Empty{})
	require.NoError(c.t, err)
	c.open("/login")
	c.do(chromedp.SendKeys(chromedp.ID("username"), user), chromedp.SendKeys(chromedp.ID("password"), "demo"))
	c.submit(`form[action="/login"] button[type=submit]`)
	require.Equal(c.t, "/", c.eval(`document.querySelector(".brand").getAttribute("href")`))
	require.NotEmpty(c.t, c.eval(`document.querySelector(".who .user") ? document.querySelector(".who .user").textContent : ""`),
		"%s is signed in", user)
}

// capture checks the current page at every viewport — no sideways
// scrolling, no reported errors — and writes a full-page PNG of each.
func (c *chrome) capture(name string) {
	c.t.Helper()
	require.NoError(c.t, os.MkdirAll(screenshotDir, 0o755))
	for _, vp := range viewports {
		c.do(chromedp.EmulateViewport(vp.w, vp.h))
		wide := c.eval(`(() => {
			const d = document.documentElement;
			if (d.scrollWidth <= d.clientWidth) return "";
			const over = [...document.querySelectorAll("body *")].filter(e => e.getBoundingClientRect().right > d.clientWidth + 1);
			return d.scrollWidth + ">" + d.clientWidth + " " + over.slice(0, 5).map(e => e.tagName + "." + e.className).join(", ");
		})()`)
		require.Equal(c.t, "", wide, "%s scrolls sideways at %dx%d", name, vp.w, vp.h)
		png, err := chromedp.Run(c.ctx, chromedp.FullScreenshot(100))
		require.NoError(c.t, err)
		file := filepath.Join(screenshotDir, fmt.Sprintf("%s-%dx%d.png", name, vp.w, vp.h))
		require.NoError(c.t, os.WriteFile(file, png, 0o644))
	}
	c.do(chromedp.EmulateViewport(1280, 800))
	c.requireClean(name)
}
