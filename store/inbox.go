package store

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"
)

// Inbox views.
const (
	ViewMine      = "mine"
	ViewClaimable = "claimable"
	ViewDueSoon   = "due_soon"
	ViewOverdue   = "overdue"
	ViewAll       = "all"
)

// Views lists the inbox views.
var Views = []string{ViewMine, ViewClaimable, ViewDueSoon, ViewOverdue, ViewAll}

// Scope is a role held over a region subtree: what a user may see. An
// empty Role reads every task of the subtree (an auditor).
type Scope struct {
	Role       string
	RegionPath string
}

// InboxQuery selects open tasks a user may act on. A task is visible to a
// user holding its role at its region or above.
type InboxQuery struct {
	UserID     int64
	Scopes     []Scope
	View       string
	CaseID     int64
	Program    string
	Stage      string
	RegionPath string
	After      int64 // keyset cursor: tasks with a larger id
	Limit      int
	Now        time.Time
	DueSoon    time.Duration
}

// InboxCounts are the numbers on the inbox tabs.
type InboxCounts struct {
	Mine      int64 `json:"mine"`
	Claimable int64 `json:"claimable"`
	DueSoon   int64 `json:"due_soon"`
	Overdue   int64 `json:"overdue"`
}

// Inbox returns one page of a view, oldest task first, and the cursor of
// the next page (0 when this is the last).
func (s *Store) Inbox(ctx context.Context, q InboxQuery) ([]Task, int64, error) {
	q.Limit = max(q.Limit, 1)
	var ts []Task
	for _, db := range s.inboxPage(s.db.WithContext(ctx), q) {
		var part []Task
		if err := db.Find(&part).Error; err != nil {
			return nil, 0, translate(err)
		}
		ts = append(ts, part...)
	}
	slices.SortFunc(ts, func(a, b Task) int { return cmp.Compare(a.ID, b.ID) })
	var next int64
	if len(ts) > q.Limit {
		ts = ts[:q.Limit]
		next = ts[len(ts)-1].ID
	}
	return ts, next, nil
}

// Statement is one SQL statement with its arguments, as the driver gets it.
type Statement struct {
	SQL  string
	Vars []any
}

// InboxStatements returns the statements Inbox sends for q, built by the
// same code without running them, so a benchmark can time exactly that SQL
// through database/sql and see what the layers above it cost.
func (s *Store) InboxStatements(ctx context.Context, q InboxQuery) []Statement {
	q.Limit = max(q.Limit, 1)
	var out []Statement
	for _, db := range s.inboxPage(s.db.Session(&gorm.Session{DryRun: true, Context: ctx}), q) {
		var part []Task
		stmt := db.Find(&part).Statement
		out = append(out, Statement{SQL: stmt.SQL.String(), Vars: stmt.Vars})
	}
	return out
}

// inboxPage is the queries of one page of Inbox, on base.
func (s *Store) inboxPage(base *gorm.DB, q InboxQuery) []*gorm.DB {
	qs := s.inboxQueries(base, q, q.View)
	for i, db := range qs {
		db = db.Where("tasks.id > ?", q.After)
		if q.CaseID != 0 {
			db = db.Where("tasks.case_id = ?", q.CaseID)
		}
		if q.Program != "" {
			db = db.Where("tasks.program = ?", q.Program)
		}
		if q.Stage != "" {
			db = db.Where("tasks.stage = ?", q.Stage)
		}
		if q.RegionPath != "" {
			db = db.Where("tasks.region_path >= ? AND tasks.region_path < ?", q.RegionPath, q.RegionPath+"~")
		}
		order := "tasks.id"
		if _, ok := db.Get(rangeScan); ok {
			order = "tasks.id + 0"
		}
		qs[i] = db.Order(order).Limit(q.Limit + 1)
	}
	return qs
}

// InboxCounts returns the tab counts for a user: one pass over each
// branch of the inbox (see inboxBranches) adding up all four tabs at once,
// each tab by the same condition its view sends. A query per tab and branch
// read the same index entries four times.
func (s *Store) InboxCounts(ctx context.Context, q InboxQuery) (InboxCounts, error) {
	var c InboxCounts
	for _, b := range s.inboxBranches(s.db.WithContext(ctx), q) {
		var cols []string
		var args []any
		for _, tab := range []struct{ view, col string }{
			{ViewMine, "mine"}, {ViewClaimable, "claimable"}, {ViewDueSoon, "due_soon"}, {ViewOverdue, "overdue"},
		} {
			cond, a, ok := b.viewFilter(tab.view, q)
			switch {
			case !ok:
				cond = "1 = 0"
			case cond == "":
				cond = "1 = 1"
			}
			cols = append(cols, fmt.Sprintf("COALESCE(SUM(CASE WHEN %s THEN 1 ELSE 0 END), 0) AS %s", cond, tab.col))
			args = append(args, a...)
		}
		var n InboxCounts
		if err := b.db.Select(strings.Join(cols, ", "), args...).Scan(&n).Error; err != nil {
			return c, translate(err)
		}
		c.Mine, c.Claimable, c.DueSoon, c.Overdue = c.Mine+n.Mine, c.Claimable+n.Claimable, c.DueSoon+n.DueSoon, c.Overdue+n.Overdue
	}
	return c, nil
}

// inboxBranch is one of the disjoint queries whose union is the user's
// open tasks.
type inboxBranch struct {
	db        *gorm.DB
	delegated bool // the tasks handed to the user as acting official
}

// inboxBranches are the disjoint queries whose union is every open task the
// user may see: the tasks the user's roles let them see, and the tasks
// handed to them as acting official. Each query is one index range scan;
// an OR across unrelated indexes would make SQLite walk every open task.
func (s *Store) inboxBranches(base *gorm.DB, q InboxQuery) []inboxBranch {
	open := func() *gorm.DB { return base.Model(&Task{}).Where("tasks.status = ?", TaskOpen) }
	out := []inboxBranch{{db: open().Where("tasks.delegate_id = ? AND tasks.delegate_until > ?", q.UserID, q.Now),
		delegated: true}}
	if len(q.Scopes) == 0 {
		return out
	}
	for _, vis := range s.visibility(q.Scopes) {
		// Excluding delegated tasks here keeps the queries disjoint.
		db := open().Where(vis).Where("(tasks.delegate_id IS NULL OR tasks.delegate_id <> ? OR tasks.delegate_until <= ?)", q.UserID, q.Now)
		if _, ok := vis.Get(rangeScan); ok {
			db = db.Set(rangeScan, true)
		}
		out = append(out, inboxBranch{db: db})
	}
	return out
}

// inboxQueries are the queries of one view: the view's filter on each
// branch that has tasks in it.
func (s *Store) inboxQueries(base *gorm.DB, q InboxQuery, view string) []*gorm.DB {
	var out []*gorm.DB
	for _, b := range s.inboxBranches(base, q) {
		cond, args, ok := b.viewFilter(view, q)
		switch {
		case !ok:
			continue
		case cond == "":
			out = append(out, b.db)
		default:
			out = append(out, b.db.Where(cond, args...))
		}
	}
	return out
}

// viewFilter is the condition a view puts on the branch's tasks, "" for
// none; ok is false when the view takes nothing from the branch. Tasks
// handed to the user as acting official are all theirs and never
// claimable; of the rest, "mine" are the ones they claimed.
func (b inboxBranch) viewFilter(view string, q InboxQuery) (cond string, args []any, ok bool) {
	switch view {
	case ViewDueSoon:
		return "tasks.overdue = ? AND tasks.due_at IS NOT NULL AND tasks.due_at >= ? AND tasks.due_at < ?",
			[]any{false, q.Now, q.Now.Add(q.DueSoon)}, true
	case ViewOverdue:
		return "(tasks.overdue = ? OR (tasks.due_at IS NOT NULL AND tasks.due_at < ?))", []any{true, q.Now}, true
	case ViewClaimable:
		if b.delegated {
			return "", nil, false
		}
		// COALESCE keeps the planner on tasks_inbox; "IS NULL" lures it to tasks_assignee.
		return "COALESCE(tasks.assignee_id, 0) = 0", nil, true
	case ViewMine:
		if !b.delegated {
			return "tasks.assignee_id = ?", []any{q.UserID}, true
		}
	}
	return "", nil, true
}

// visibility splits what the scopes let a user see into disjoint
// conditions. A county official's tasks all sit at the county's own path:
// "region_path = ?" lets tasks_inbox hand them over in id order, and the
// page stops after Limit rows, where a range over the subtree made the
// database fetch and sort every one of them (tens of thousands at a
// million open tasks; see docs/benchmarks.md). So each distinct (role,
// region) is one equality query, and the tasks below those regions are
// one range query excluding them. A reader's scope (empty role) keeps the
// single range query: it overlaps the others.
func (s *Store) visibility(scopes []Scope) []*gorm.DB {
	var ranges []string
	var rangeArgs, exactArgs []any
	for _, sc := range scopes {
		if sc.Role == "" {
			return []*gorm.DB{s.subtree(scopes)}
		}
	}
	seen := map[Scope]bool{}
	var out []*gorm.DB
	for _, sc := range scopes {
		if seen[sc] {
			continue
		}
		seen[sc] = true
		out = append(out, s.db.Where("tasks.role = ? AND tasks.region_path = ?", sc.Role, sc.RegionPath))
		ranges = append(ranges, "(tasks.role = ? AND tasks.region_path > ? AND tasks.region_path < ?)")
		rangeArgs = append(rangeArgs, sc.Role, sc.RegionPath, sc.RegionPath+"~")
		exactArgs = append(exactArgs, sc.Role, sc.RegionPath)
	}
	exact := strings.Repeat("(tasks.role = ? AND tasks.region_path = ?) OR ", len(seen))
	below := "(" + strings.Join(ranges, " OR ") + ") AND NOT (" + strings.TrimSuffix(exact, " OR ") + ")"
	return append(out, s.db.Where(below, append(rangeArgs, exactArgs...)...).Set(rangeScan, true))
}

// rangeScan marks the query over the tasks below the user's regions: it is
// almost always empty, and sorted by a plain "tasks.id" PostgreSQL walks
// the primary key hoping to fill the page early and reads every open task
// before it gives up. "tasks.id + 0" makes both databases read the
// (short) range of tasks_inbox and sort it.
const rangeScan = "assistflow:inbox_range"

// subtree is every task of the scopes' regions, for the scopes' roles.
func (s *Store) subtree(scopes []Scope) *gorm.DB {
	var vis *gorm.DB
	for i, sc := range scopes {
		cond := s.db.Where("tasks.role = ? AND tasks.region_path >= ? AND tasks.region_path < ?",
			sc.Role, sc.RegionPath, sc.RegionPath+"~")
		if sc.Role == "" { // a reader (auditor): every task of the region
			cond = s.db.Where("tasks.region_path >= ? AND tasks.region_path < ?", sc.RegionPath, sc.RegionPath+"~")
		}
		if i == 0 {
			vis = cond
		} else {
			vis = vis.Or(cond)
		}
	}
	return vis
}

// Visible reports whether a task lies in one of the scopes.
func (t Task) Visible(scopes []Scope) bool {
	for _, sc := range scopes {
		if sc.Role == t.Role && len(t.RegionPath) >= len(sc.RegionPath) && t.RegionPath[:len(sc.RegionPath)] == sc.RegionPath {
			return true
		}
	}
	return false
}

// ClaimTask assigns an open, unclaimed task to a user. Claiming a task the
// user already holds is a no-op; one held by someone else is ErrConflict.
func (s *Store) ClaimTask(ctx context.Context, taskID, userID int64) error {
	res := s.db.WithContext(ctx).Model(&Task{}).
		Where("id = ? AND status = ? AND (assignee_id IS NULL OR assignee_id = ?)", taskID, TaskOpen, userID).
		Update("assignee_id", userID)
	if res.Error != nil {
		return translate(res.Error)
	}
	if res.RowsAffected == 0 {
		return s.whyNotOpen(ctx, taskID, "claimed by another official")
	}
	return nil
}

// UnclaimTask returns a task the user holds to the claimable pool.
func (s *Store) UnclaimTask(ctx context.Context, taskID, userID int64) error {
	// Unclaiming ends any delegation too: the acting official acted for
	// this holder, not for whoever claims the task next.
	res := s.db.WithContext(ctx).Model(&Task{}).
		Where("id = ? AND status = ? AND assignee_id = ?", taskID, TaskOpen, userID).
		Updates(map[string]any{"assignee_id": nil, "delegate_id": nil, "delegate_until": nil})
	if res.Error != nil {
		return translate(res.Error)
	}
	if res.RowsAffected == 0 {
		return s.whyNotOpen(ctx, taskID, "not claimed by you")
	}
	return nil
}

func (s *Store) whyNotOpen(ctx context.Context, taskID int64, otherwise string) error {
	t, err := s.Task(ctx, taskID)
	if err != nil {
		return err
	}
	if t.Status != TaskOpen {
		return fmt.Errorf("%w: task %d is %s", ErrConflict, taskID, t.Status)
	}
	return fmt.Errorf("%w: task %d is %s", ErrConflict, taskID, otherwise)
}
