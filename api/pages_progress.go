package api

import (
	"github.com/assistflow/assistflow/process"
	"github.com/assistflow/assistflow/store"
)

// progress is the case page's picture of the chain: one dot per stage of
// the definition the case runs on, laid out for an SVG viewBox.
type progress struct {
	Width  int
	Stages []progressStage
}

// progressStage is one dot: State is done, current, ended (where a
// rejected or withdrawn case stopped) or todo.
type progressStage struct {
	ID, State string
	Name      process.Text
	X         int
	DueAt     *string
	// LineState colours the line to the next dot.
	LineState string
	Last      bool
}

// stageGap is the distance between dots in SVG units; the SVG scales to
// the page width.
const stageGap = 140

// progressOf places the definition's stages and marks each from the case's
// current stages and timeline.
func progressOf(def process.Definition, cs store.Case, timeline []timelineEntry) progress {
	current := map[string]*string{}
	for _, st := range cs.Stages() {
		current[st.ID] = dateOf(st.DueAt)
	}
	seen := map[string]bool{}
	for _, e := range timeline {
		seen[e.Stage] = true
	}
	finished := cs.Status == store.StatusApproved || cs.Status == store.StatusMonitoring ||
		cs.Status == store.StatusRiskEliminated
	stopped := cs.Status == store.StatusRejected || cs.Status == store.StatusWithdrawn
	lastSeen := -1
	for i, st := range def.Stages {
		if seen[st.ID] {
			lastSeen = i
		}
	}
	if len(current) == 0 && !finished && !stopped && len(def.Stages) > 0 {
		// Between stages (a projection not yet written): the last stage
		// with an event is where the case stands.
		current[def.Stages[max(lastSeen, 0)].ID] = nil
	}
	pg := progress{Width: stageGap * max(len(def.Stages), 1)}
	reached := true // stages before the first current one are done
	for i, st := range def.Stages {
		ps := progressStage{ID: st.ID, Name: st.Name, X: stageGap/2 + i*stageGap, Last: i == len(def.Stages)-1}
		due, isCurrent := current[st.ID]
		switch {
		case finished:
			ps.State = "done"
		case stopped && i == lastSeen:
			ps.State, reached = "ended", false
		case stopped:
			ps.State = map[bool]string{true: "done", false: "todo"}[i < lastSeen]
		case isCurrent:
			ps.State, ps.DueAt, reached = "current", due, false
		case reached:
			ps.State = "done"
		default:
			ps.State = "todo"
		}
		pg.Stages = append(pg.Stages, ps)
	}
	for i := range pg.Stages {
		if i+1 < len(pg.Stages) && pg.Stages[i].State == "done" && pg.Stages[i+1].State != "todo" {
			pg.Stages[i].LineState = "done"
		}
	}
	return pg
}
