package api

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"testing"

	"github.com/assistflow/assistflow/process"
	"github.com/assistflow/assistflow/store"
	"github.com/stretchr/testify/require"
)

// openTasks stores n cases in the demo village, each waiting in one open
// task for role, as the workflow would have opened it, and returns the
// case ids in the order of their tasks.
func openTasks(t *testing.T, s *Server, n int, role string) []int64 {
	t.Helper()
	ctx := context.Background()
	applicant, err := s.store.UserByUsername(ctx, "applicant")
	require.NoError(t, err)
	var ids []int64
	for i := range n {
		head := fmt.Sprintf("户主%s%03d", role, i)
		c, _, err := s.store.CreateCase(ctx, store.NewCase{Program: "monitoring", RegionCode: store.DemoVillage,
			Channel: "self_report", ApplicantID: applicant.ID, SubmittedBy: applicant.ID, IdempotencyKey: head,
			DefinitionKey: "monitoring-identification", DefinitionVersion: 1, HeadName: head, HouseholdSize: 1,
			Household: process.Household{HeadName: head}})
		require.NoError(t, err)
		_, err = s.store.OpenTask(ctx, store.NewTask{Key: fmt.Sprintf("case/%d/home_check", c.ID),
			WorkflowID: fmt.Sprintf("case/%d", c.ID), Stage: "home_check", StageName: "入户核实", Kind: "review",
			Role: role, RegionCode: store.DemoVillage, CaseID: c.ID, Actions: []string{"approve", "reject"}})
		require.NoError(t, err)
		ids = append(ids, c.ID)
	}
	return ids
}

var (
	inboxRowRe = regexp.MustCompile(`<tr data-case="(\d+)">`)
	pageLinkRe = regexp.MustCompile(`<a href="([^"]+)"(?: rel="\w+")? data-page="(\w+)">`)
)

// inboxPage is what one inbox page shows: its rows (case ids, in order)
// and its paging links by name (first, prev, next).
type inboxPage struct {
	rows  []int64
	links map[string]string
	body  string
}

func (b *browser) inbox(path string) inboxPage {
	b.t.Helper()
	p := b.get(path)
	require.Equal(b.t, http.StatusOK, p.status, p.body)
	out := inboxPage{links: map[string]string{}, body: p.body}
	for _, m := range inboxRowRe.FindAllStringSubmatch(p.body, -1) {
		id, _ := strconv.ParseInt(m[1], 10, 64)
		out.rows = append(out.rows, id)
	}
	for _, m := range pageLinkRe.FindAllStringSubmatch(p.body, -1) {
		out.links[m[2]] = html.UnescapeString(m[1])
	}
	return out
}

// TestInboxPagesThroughEveryTask: with more tasks than a page, following
// "next" shows the rest, no task twice and none missing, and "previous"
// and "first" come back to the same pages.
func TestInboxPagesThroughEveryTask(t *testing.T) {
	s := newTestServer(t, nil)
	want := openTasks(t, s, 57, "village_officer")
	openTasks(t, s, 3, "village_committee") // another role's: never shown
	b := newBrowser(t, s)
	b.signIn("village_officer")

	first := b.inbox("/inbox?view=all")
	require.Len(t, first.rows, 50, "the default page size is the API's")
	require.NotContains(t, first.links, "prev")
	require.NotContains(t, first.links, "first")
	require.Contains(t, first.body, `data-page="number">第 1 页<`)
	require.NotEmpty(t, first.links["next"])

	second := b.inbox(first.links["next"])
	require.Len(t, second.rows, 7)
	require.NotContains(t, second.links, "next", "the last page has no next")
	require.Contains(t, second.body, `data-page="number">第 2 页<`)
	all := append(append([]int64{}, first.rows...), second.rows...)
	require.Equal(t, want, all, "every task once, in task order")

	// The cursor in the address is the JSON API's: the same page through it.
	prev, err := url.Parse(second.links["prev"])
	require.NoError(t, err)
	require.Empty(t, prev.Query().Get("cursor"), "back to the first page")
	require.Equal(t, first.rows, b.inbox(second.links["prev"]).rows)
	require.Equal(t, first.rows, b.inbox(second.links["first"]).rows)
	u, err := url.Parse(first.links["next"])
	require.NoError(t, err)
	api := do(t, s, "GET", "/api/v1/tasks?view=all", login(t, s, "village_officer"), "", "")
	require.Equal(t, u.Query().Get("cursor"), api.body["next_cursor"], "the page's cursor is the API's")
}

// TestInboxPagingKeepsTheViewAndFilters: the view (status tab), filters
// and page size survive every paging link, and a page in the middle links
// both ways.
func TestInboxPagingKeepsTheViewAndFilters(t *testing.T) {
	s := newTestServer(t, nil)
	ctx := context.Background()
	ids := openTasks(t, s, 12, "village_officer")
	officer, err := s.store.UserByUsername(ctx, "village_officer")
	require.NoError(t, err)
	var mine []int64
	for i, id := range ids {
		if i%2 == 1 { // every other task is claimed by the officer
			tasks, err := s.store.TasksOfCase(ctx, id)
			require.NoError(t, err)
			require.NoError(t, s.store.ClaimTask(ctx, tasks[0].ID, officer.ID))
			mine = append(mine, id)
		}
	}
	b := newBrowser(t, s)
	b.signIn("village_officer")

	var seen []int64
	path := "/inbox?view=mine&program=monitoring&region=" + store.DemoVillage + "&limit=2"
	var pages []inboxPage
	for path != "" {
		p := b.inbox(path)
		require.LessOrEqual(t, len(p.rows), 2)
		for _, id := range p.rows {
			require.False(t, slices.Contains(seen, id), "case %d shown twice", id)
			seen = append(seen, id)
		}
		for name, link := range p.links {
			u, err := url.Parse(link)
			require.NoError(t, err)
			q := u.Query()
			require.Equal(t, "mine", q.Get("view"), "%s link keeps the view", name)
			require.Equal(t, "monitoring", q.Get("program"))
			require.Equal(t, store.DemoVillage, q.Get("region"))
			require.Equal(t, "2", q.Get("limit"))
		}
		pages = append(pages, p)
		path = p.links["next"]
	}
	require.Equal(t, mine, seen, "exactly the officer's claimed tasks, each once")
	require.Len(t, pages, 3)
	middle := pages[1]
	require.Equal(t, pages[0].rows, b.inbox(middle.links["prev"]).rows)
	require.Equal(t, pages[2].rows, b.inbox(middle.links["next"]).rows)
	require.Equal(t, middle.rows, b.inbox(pages[2].links["prev"]).rows, "previous from the last page")
	require.Contains(t, middle.body, `<option value="2" selected>`+"2", "the page size shows in the form")

	// The filter form is a GET form: the tab, and a new filter, start at the first page.
	require.Contains(t, middle.body, `<input type="hidden" name="view" value="mine">`)
	require.NotContains(t, middle.body, `name="cursor"`)
	// A batch approval on this page comes back to this page.
	require.Contains(t, middle.body, `action="/inbox/batch?back=0&amp;cursor=`)

	bad := b.get("/inbox?view=mine&cursor=2&back=0.x!")
	require.Equal(t, http.StatusUnprocessableEntity, bad.status, "a trail the page did not write")
}
