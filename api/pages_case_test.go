package api

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/assistflow/assistflow/process"
	"github.com/assistflow/assistflow/store"
	"github.com/stretchr/testify/require"
)

// testIDNumber is a valid GB 11643 number (check digit computed).
func testIDNumber(t *testing.T) string {
	body := "43072119800101123"
	w := []int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i, c := range body {
		sum += int(c-'0') * w[i]
	}
	id := body + string("10X98765432"[sum%11])
	require.NoError(t, process.ValidIDNumber(id))
	return id
}

// storedCase puts a case in the store as a workflow would have left it:
// waiting at home_check.
func storedCase(t *testing.T, s *Server, head, idNumber string) store.Case {
	t.Helper()
	ctx := context.Background()
	for _, d := range process.Builtins() {
		require.NoError(t, s.store.PublishBuiltin(ctx, d.Key, d.JSON()))
	}
	applicant, err := s.store.UserByUsername(ctx, "applicant")
	require.NoError(t, err)
	h := process.Household{HeadName: head, Phone: "13900001111", Members: []process.Member{{Name: head,
		IDNumber: idNumber, Relation: "self", Health: "healthy", LaborCapacity: "normal"}},
		Income: []process.Amount{{Source: "wages", Amount: 4800}}, Risks: []string{"illness"}}
	c, _, err := s.store.CreateCase(ctx, store.NewCase{Program: "monitoring", RegionCode: store.DemoVillage,
		Channel: "self_report", ApplicantID: applicant.ID, SubmittedBy: applicant.ID, IdempotencyKey: head,
		DefinitionKey: "monitoring-identification", DefinitionVersion: 1, HeadName: head, HouseholdSize: 1, Household: h})
	require.NoError(t, err)
	due := time.Now().Add(72 * time.Hour)
	require.NoError(t, s.store.Project(ctx, store.Projection{CaseID: c.ID, Seq: 1, Status: store.StatusInReview,
		CurrentStages: []store.CurrentStage{{ID: "home_check", Name: "入户核实", Role: "village_officer", DueAt: &due}}}))
	return c
}

func TestCasePageMasksLikeTheAPIAndEscapesHouseholdText(t *testing.T) {
	s := newTestServer(t, nil)
	id := testIDNumber(t)
	injected := `<img src=x onerror=alert(1)>王`
	c := storedCase(t, s, injected, id)
	path := fmt.Sprintf("/cases/%d", c.ID)

	owner := newBrowser(t, s)
	owner.signIn("applicant")
	p := owner.get(path)
	require.Equal(t, http.StatusOK, p.status, p.body)
	require.Contains(t, p.body, id, "the applicant sees their own ID number")
	require.Contains(t, p.body, "13900001111")
	require.NotContains(t, p.body, injected, "household text is never markup")
	require.Contains(t, p.body, "&lt;img src=x onerror=alert(1)&gt;王")
	require.Contains(t, p.body, `<g class="current" data-stage="home_check" aria-current="step">`)
	require.Contains(t, p.body, "monitoring-identification v1")
	require.Contains(t, p.body, `action="/cases/`+fmt.Sprint(c.ID)+`/withdraw"`)

	official := newBrowser(t, s)
	official.signIn("village_officer")
	p = official.get(path)
	require.Equal(t, http.StatusOK, p.status, p.body)
	require.NotContains(t, p.body, id)
	require.Contains(t, p.body, process.MaskIDNumber(id), "officials see the API's masking")
	require.Contains(t, p.body, process.MaskPhone("13900001111"))
	require.NotContains(t, p.body, "/withdraw\"", "only the applicant withdraws")

	neighbour := newBrowser(t, s)
	neighbour.signIn("applicant2")
	p = neighbour.get(path)
	require.Equal(t, http.StatusNotFound, p.status)
	require.NotContains(t, p.body, "王")

	anon := newBrowser(t, s).get(path)
	require.Equal(t, http.StatusSeeOther, anon.status)
	require.Equal(t, "/login?next="+url.QueryEscape(path), anon.header.Get("Location"))
}

func TestApplyFormShowsTheAPIsFieldErrorsInlineAndStoresNothing(t *testing.T) {
	s := newTestServer(t, nil)
	b := newBrowser(t, s)
	b.signIn("applicant")
	form := b.get("/apply")
	require.Equal(t, http.StatusOK, form.status, form.body)
	require.Contains(t, form.body, `data-idcheck`)
	require.Contains(t, form.body, `<label for="f-head_name">`)

	bad := b.post("/apply", url.Values{"_csrf": {form.csrf(t)}, "program": {"monitoring"}, "region": {store.DemoVillage},
		"channel": {"self_report"}, "head_name": {"李四"}, "phone": {"12345"},
		"members[0].name": {"李四"}, "members[0].id_number": {"430721198001011230"}, "members[0].relation": {"self"},
		"members[0].health": {"healthy"}, "members[0].labor_capacity": {"normal"}, "income.wages": {"四千"}})
	require.Equal(t, http.StatusUnprocessableEntity, bad.status)
	require.Contains(t, bad.body, "请输入数字金额")
	require.Contains(t, bad.body, `value="李四"`, "what was typed comes back")
	require.Contains(t, bad.body, `value="四千"`)

	bad = b.post("/apply", url.Values{"_csrf": {form.csrf(t)}, "program": {"monitoring"}, "region": {store.DemoVillage},
		"channel": {"self_report"}, "head_name": {"李四"}, "phone": {"12345"},
		"members[0].name": {"李四"}, "members[0].id_number": {"430721198001011230"}, "members[0].relation": {"self"},
		"members[0].health": {"healthy"}, "members[0].labor_capacity": {"normal"}})
	require.Equal(t, http.StatusUnprocessableEntity, bad.status)
	for _, want := range []string{"请填写11位手机号码", "身份证号码校验位不符", "请至少选择一项风险类型"} {
		require.Contains(t, bad.body, want)
	}
	require.True(t, strings.Contains(bad.body, `id="m-0-id" name="members[0].id_number"`))
	cs, _, err := s.store.Cases(context.Background(), store.CaseQuery{Limit: 10, RegionPaths: []string{"/"}})
	require.NoError(t, err)
	require.Empty(t, cs, "a refused form stores nothing")
}

func TestApproverPagesRender(t *testing.T) {
	s := newTestServer(t, nil)
	storedCase(t, s, "赵六", testIDNumber(t))
	b := newBrowser(t, s)
	b.signIn("village_officer")
	p := b.get("/inbox?view=all")
	require.Equal(t, http.StatusOK, p.status, p.body)
	require.Contains(t, p.body, `data-tab="claimable"`)

	// An applicant's roles do not open the inbox.
	a := newBrowser(t, s)
	a.signIn("applicant")
	require.Equal(t, http.StatusForbidden, a.get("/inbox").status)
	require.Equal(t, http.StatusOK, a.get("/my/cases").status)
	require.Equal(t, http.StatusOK, a.get("/notices").status)
}
