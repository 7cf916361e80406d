package e2e

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"
)

// TestBrowserChain drives the pages in headless Chromium through a whole
// monitoring identification: the applicant applies through the form, the
// village officer and committee, the township and (by batch approval) the
// county decide in their inboxes, and the applicant sees the result. Every
// main page is checked for console errors and sideways scrolling at
// 1280×800 and 800×1280 and written as a screenshot.
func TestBrowserChain(t *testing.T) {
	dataDir := t.TempDir()
	prepare(t, dataDir, "PT20S") // long enough to object while the case is on notice
	d := startDev(t, dataDir)
	b := newChrome(t, d.base)
	abs, _ := filepath.Abs(screenshotDir)
	t.Logf("screenshots: %s", abs)

	b.open("/login")
	b.capture("login")
	b.requireKeyboardSignIn()

	b.signIn("applicant")
	head := "张三"
	caseID := b.applyThroughTheForm(head)
	require.Contains(t, b.text(".flash"), "申请已提交")
	require.Equal(t, head, b.text(`dd[data-field="head_name"]`))
	require.Equal(t, "current", b.eval(`document.querySelector('[data-stage="home_check"]').getAttribute("class")`))
	b.capture("case-applicant")
	b.open("/my/cases")
	b.capture("my-cases")

	b.signIn("village_officer")
	b.waitInboxRow(caseID)
	b.capture("inbox")
	b.rejectWithoutReason(caseID)
	b.decideInInbox(caseID, "inbox-case-official")

	b.signIn("village_committee")
	b.waitInboxRow(caseID)
	b.decideInInbox(caseID, "")

	// On notice: a resident (here the village officer) objects from the
	// board. The notice stays up while the objection is open.
	b.signIn("village_officer")
	b.objectFromBoard(caseID, "该户家中有货车一辆")

	// The village board names the household, masked.
	b.signIn("applicant")
	b.open("/notices")
	require.Contains(t, b.text("main table"), head)
	b.capture("notices")

	// The committee sees the objection on the case page and dismisses it.
	b.signIn("village_committee")
	b.waitInboxRow(caseID)
	b.submit(fmt.Sprintf(`tr[data-case="%d"] a`, caseID))
	require.Equal(t, 1, strings.Count(b.text("ol.timeline"), "该户家中有货车一辆"),
		"one objection, though its form was sent twice")
	b.do(chromedp.Click(chromedp.CSS(`#decide input[name="action"][value="dismiss"]`)))
	b.submit(`#decide form[action$="/decision"] button[type=submit]`)
	require.Contains(t, b.text(".flash"), "审批意见已提交")

	b.signIn("township_approver")
	require.Eventually(t, func() bool { return b.inboxHas(caseID) }, 60*time.Second, 500*time.Millisecond,
		"the township task opens once the notice ends")
	b.claimAndDecide(caseID)

	b.signIn("county_approver")
	b.waitInboxRow(caseID)
	b.capture("inbox-county")
	b.batchApprove(caseID)
	b.capture("inbox-batch-result")

	b.signIn("applicant")
	require.Eventually(t, func() bool {
		b.open(fmt.Sprintf("/cases/%d", caseID))
		return b.text(".case-head .badge") == "已纳入监测"
	}, 30*time.Second, 500*time.Millisecond)
	require.EqualValues(t, 0, b.eval(`document.querySelectorAll('.progress g:not(.done)').length`), "every stage is done")
	b.capture("case-result")
	b.open("/my/cases")
	require.Contains(t, b.text("main table"), "已纳入监测")

	// The language switch turns the same page into English.
	b.do(chromedp.Click(chromedp.CSS("a.lang")))
	b.waitFor(`document.documentElement.lang === "en" && document.readyState === "complete"`, "the English page")
	require.Contains(t, b.text("main table"), "Under monitoring")
	b.capture("my-cases-en")

	// Withdrawing: the applicant confirms, and the case ends withdrawn.
	b.open("/lang?to=zh-CN&next=/my/cases")
	other := d.submit(d.login("applicant"), "browser-withdraw", "王五")
	b.open(fmt.Sprintf("/cases/%d", other.ID))
	b.do(chromedp.SendKeys(chromedp.ID("wd-reason"), "家庭情况好转"))
	b.expectConfirm()
	b.submit(`form[action$="/withdraw"] button[type=submit]`)
	require.Contains(t, b.text(".flash"), "申请已撤回")
	require.Eventually(t, func() bool {
		b.open(fmt.Sprintf("/cases/%d", other.ID))
		return b.text(".case-head .badge") == "已撤回"
	}, 15*time.Second, 300*time.Millisecond)
	require.EqualValues(t, 0, b.eval(`document.querySelectorAll('form[action$="/withdraw"]').length`))
	b.requireClean("withdrawn case")

	b.supplyRoundTrip(d.submit(d.login("applicant"), "browser-supply", "赵六").ID)
}

// objectFromBoard files an objection to the case from the notice board as
// a person would: a blank reason comes back with the server's field error
// inline, then the reason is filed.
func (c *chrome) objectFromBoard(caseID int64, reason string) {
	c.t.Helper()
	c.open("/notices")
	form := fmt.Sprintf(`form[data-objection="%d"]`, caseID)
	c.do(chromedp.Click(chromedp.CSS(fmt.Sprintf(`details:has(%s) summary`, form))),
		chromedp.WaitVisible(chromedp.ID(fmt.Sprintf("obj-%d", caseID))),
		chromedp.SendKeys(chromedp.ID(fmt.Sprintf("obj-%d", caseID)), "  "))
	c.submit(form + ` button[type=submit]`)
	c.expected("status of 422", "/objections")
	require.Contains(c.t, c.text(fmt.Sprintf("#obj-%d-err", caseID)), "此项为必填")
	c.capture("notices-objection-error")
	c.do(chromedp.SetValue(chromedp.ID(fmt.Sprintf("obj-%d", caseID)), reason))
	// Keep exactly what the form sends, to send it once more afterwards.
	c.eval(fmt.Sprintf(`sessionStorage.setItem("objection", new URLSearchParams(new FormData(document.querySelector(%q))).toString()); true`, form))
	c.submit(form + ` button[type=submit]`)
	require.Contains(c.t, c.text(".flash"), "异议已提交")
	c.requireClean("objection")
	// The same form again, as a double click or a reload sends it: the
	// server answers as the first time (the redirect to the board) and the
	// workflow, seeing the same Update id, files nothing new (the
	// committee's timeline below shows the reason once).
	c.eval(fmt.Sprintf(`window.__resent = 0; fetch("/notices/%d/objections", {method: "POST",
		body: new URLSearchParams(sessionStorage.getItem("objection"))}).then(r => { window.__resent = r.status }); true`, caseID))
	c.waitFor(`window.__resent === 200 && location.pathname === "/notices"`, "the resent objection form answered")
}

// supplyRoundTrip: the village officer asks the applicant for materials,
// the applicant supplies them on the case page, and the case is back in
// review. The officer's comment carries markup: the applicant's page shows
// it as text (names refuse markup at the door; free text must be escaped).
func (c *chrome) supplyRoundTrip(caseID int64) {
	const askMaterials = `请补充医院诊断证明<img src=x onerror=alert(1)>`
	c.t.Helper()
	c.signIn("village_officer")
	c.waitInboxRow(caseID)
	c.submit(fmt.Sprintf(`tr[data-case="%d"] a`, caseID))
	c.do(chromedp.Click(chromedp.CSS(`#decide input[name="action"][value="return_to_applicant"]`)),
		chromedp.SendKeys(chromedp.CSS(`#decide textarea[name="comment"]`), askMaterials))
	c.submit(`#decide form[action$="/decision"] button[type=submit]`)
	require.Contains(c.t, c.text(".flash"), "审批意见已提交")

	c.signIn("applicant")
	path := fmt.Sprintf("/cases/%d", caseID)
	require.Eventually(c.t, func() bool {
		c.open(path)
		return c.text(".case-head .badge") == "待补充材料"
	}, 15*time.Second, 300*time.Millisecond)
	require.Contains(c.t, c.text("ol.timeline"), askMaterials, "the comment is shown as text")
	require.EqualValues(c.t, 0, c.eval(`document.querySelectorAll("main img").length`), "and never as markup")
	c.do(chromedp.SendKeys(chromedp.ID("note"), "已上传县医院诊断证明"))
	c.capture("case-awaiting-materials")
	c.submit(`form[action$="/materials"] button[type=submit]`)
	require.Contains(c.t, c.text(".flash"), "补充材料已提交")
	require.Eventually(c.t, func() bool {
		c.open(path)
		return c.text(".case-head .badge") == "审核中"
	}, 15*time.Second, 300*time.Millisecond)
	require.Contains(c.t, c.text("ol.timeline"), "已上传县医院诊断证明")
	c.requireClean("materials supplied")
}

// applyThroughTheForm fills the apply page as a person would — a second
// member added with the button, an ID number mistyped and corrected while
// the live check watches — submits it, and returns the new case's id.
func (c *chrome) applyThroughTheForm(head string) int64 {
	c.t.Helper()
	c.open("/apply")
	id1, id2 := idNumber(idSeq.Add(1)), idNumber(idSeq.Add(1))
	c.do(chromedp.SendKeys(chromedp.ID("f-head_name"), head), chromedp.SendKeys(chromedp.ID("f-phone"), "13900001111"),
		chromedp.SendKeys(chromedp.ID("m-0-name"), head), chromedp.SendKeys(chromedp.ID("m-0-id"), id1),
		chromedp.SetValue(chromedp.CSS(`select[name="members[0].health"]`), "chronic_illness"),
		chromedp.Click(chromedp.CSS(`[data-add-row="member-row"]`)),
		chromedp.WaitVisible(chromedp.ID("m-1-name")),
		chromedp.SendKeys(chromedp.ID("m-1-name"), "李梅"))
	// A wrong check character is caught as it is typed, and the message
	// goes away once the number is right.
	wrong := id2[:17] + map[bool]string{true: "0", false: "1"}[id2[17] != '0']
	c.do(chromedp.SendKeys(chromedp.ID("m-1-id"), wrong))
	require.Contains(c.t, c.text("#m-1-id-err"), "校验位不符")
	require.Equal(c.t, "true", c.eval(`document.getElementById("m-1-id").getAttribute("aria-invalid")`))
	c.eval(`document.getElementById("m-1-id").value = ""`)
	c.do(chromedp.SendKeys(chromedp.ID("m-1-id"), id2))
	require.Equal(c.t, "", c.text("#m-1-id-err"))
	c.do(chromedp.SendKeys(chromedp.CSS(`input[name="income.wages"]`), "4800"),
		chromedp.SendKeys(chromedp.CSS(`input[name="spending.medical"]`), "15000"),
		chromedp.Click(chromedp.CSS(`input[name="risks"][value="illness"]`)))
	c.capture("apply")
	c.submit(`form[action="/apply"] button[type=submit]`)
	loc := c.eval(`location.pathname`).(string)
	require.True(c.t, strings.HasPrefix(loc, "/cases/"), "landed on %s: %s", loc, c.text("main"))
	id, err := strconv.ParseInt(strings.TrimPrefix(loc, "/cases/"), 10, 64)
	require.NoError(c.t, err)
	return id
}

// requireKeyboardSignIn checks the sign-in form works from the keyboard:
// the cursor starts in the username field, Tab walks to the password and
// the button in reading order, and the focused button shows a visible ring.
func (c *chrome) requireKeyboardSignIn() {
	c.t.Helper()
	require.Equal(c.t, "username", c.eval(`document.activeElement.id`))
	c.do(chromedp.KeyEvent("\t"))
	require.Equal(c.t, "password", c.eval(`document.activeElement.id`))
	c.do(chromedp.KeyEvent("\t"))
	require.Equal(c.t, "BUTTON", c.eval(`document.activeElement.tagName`))
	require.NotEqual(c.t, "none", c.eval(`getComputedStyle(document.activeElement).outlineStyle`), "focus is visible")
	// A 404 a browser asks for is a page of the site, in its language.
	c.open("/no/such/page")
	require.Contains(c.t, c.text("main"), "没有找到该页面")
	c.expected("status of 404", "/no/such/page")
}

// inboxHas reloads the inbox's "all" tab and looks for the case's row.
func (c *chrome) inboxHas(caseID int64) bool {
	c.open("/inbox?view=all")
	return c.eval(fmt.Sprintf(`!!document.querySelector('tr[data-case="%d"]')`, caseID)).(bool)
}

// waitInboxRow waits until the case's task reaches the user's inbox: the
// workflow opens it asynchronously after the previous decision.
func (c *chrome) waitInboxRow(caseID int64) {
	c.t.Helper()
	require.Eventually(c.t, func() bool { return c.inboxHas(caseID) }, 30*time.Second, 300*time.Millisecond,
		"case %d never reached the inbox", caseID)
}

// decideInInbox opens the case from the inbox, approves it with the
// decision form and checks the inbox confirms it.
func (c *chrome) decideInInbox(caseID int64, shot string) {
	c.t.Helper()
	c.submit(fmt.Sprintf(`tr[data-case="%d"] a`, caseID))
	if shot != "" {
		c.capture(shot)
	}
	c.do(chromedp.Click(chromedp.CSS(`#decide input[name="action"][value="approve"]`)),
		chromedp.SendKeys(chromedp.CSS(`#decide textarea[name="comment"]`), "核实无误"))
	c.submit(`#decide form[action$="/decision"] button[type=submit]`)
	require.Equal(c.t, "/inbox", c.eval(`location.pathname`))
	require.Contains(c.t, c.text(".flash"), "审批意见已提交")
	c.requireClean("decision")
}

// rejectWithoutReason tries to reject with no reason code: the server
// refuses it with the API's rule, and the case page says why.
func (c *chrome) rejectWithoutReason(caseID int64) {
	c.t.Helper()
	c.submit(fmt.Sprintf(`tr[data-case="%d"] a`, caseID))
	c.do(chromedp.Click(chromedp.CSS(`#decide input[name="action"][value="reject"]`)))
	c.submit(`#decide form[action$="/decision"] button[type=submit]`)
	require.Equal(c.t, fmt.Sprintf("/cases/%d", caseID), c.eval(`location.pathname`))
	require.Contains(c.t, c.text(".alert"), "不予通过时须选择原因")
	c.open("/inbox?view=all")
}

// claimAndDecide claims the task on the case page first, then approves.
func (c *chrome) claimAndDecide(caseID int64) {
	c.t.Helper()
	c.submit(fmt.Sprintf(`tr[data-case="%d"] a`, caseID))
	c.submit(`#decide form[action$="/claim"] button[type=submit]`)
	require.Contains(c.t, c.text(".flash"), "已认领该任务")
	require.EqualValues(c.t, 0, c.eval(`document.querySelectorAll('#decide form[action$="/claim"]').length`))
	c.open("/inbox?view=mine")
	require.True(c.t, c.eval(fmt.Sprintf(`!!document.querySelector('tr[data-case="%d"]')`, caseID)).(bool), "the claimed task is under mine")
	c.decideInInbox(caseID, "")
}

// batchApprove ticks the case's row and approves it with the batch form,
// accepting the confirm dialog.
func (c *chrome) batchApprove(caseID int64) {
	c.t.Helper()
	c.do(chromedp.Click(chromedp.CSS(fmt.Sprintf(`tr[data-case="%d"] input[name="task"]`, caseID))),
		chromedp.SendKeys(chromedp.ID("batch-comment"), "县级审批同意"))
	c.expectConfirm()
	c.submit(`.batch-bar button[type=submit]`)
	require.Contains(c.t, c.text(".results"), "已同意")
	require.NotContains(c.t, c.text(".results"), "409")
}
