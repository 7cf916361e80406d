package api

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/assistflow/assistflow/activities"
	"github.com/assistflow/assistflow/store"
	"github.com/assistflow/assistflow/workflows"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
)

// objectionTemporal stands in for the Temporal client in page tests of the
// objection form; the real path (workflow, validator, worker) is covered
// by package e2e, which these fast tests cannot link. For an objection it
// does what the approval workflow does: the validator's checks, then the
// real FileObjection activity on the real store. Like Temporal, it answers
// an Update id it has seen with the first answer and runs nothing again;
// an Update its validator refused leaves no trace, so the same id may be
// sent again.
type objectionTemporal struct {
	client.Client // nil: any other call panics, so a test never relies on one unawares

	acts *activities.Activities
	mu   sync.Mutex
	// answers by workflow and Update id; received lists every Update id
	// sent, repeats included.
	answers  map[string]workflows.Result
	filings  map[string]int
	received []string
}

// withObjectionTemporal sets up a test server with objectionTemporal.
func withObjectionTemporal(f **objectionTemporal) func(*Config) {
	return func(c *Config) {
		*f = &objectionTemporal{acts: &activities.Activities{Store: c.Store}, answers: map[string]workflows.Result{},
			filings: map[string]int{}}
		c.Temporal = *f
	}
}

func (f *objectionTemporal) UpdateWorkflow(ctx context.Context, o client.UpdateWorkflowOptions) (client.WorkflowUpdateHandle, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.received = append(f.received, o.UpdateID)
	key := o.WorkflowID + "|" + o.UpdateID
	if res, ok := f.answers[key]; ok {
		return updateHandle{o: o, res: res}, nil
	}
	if o.UpdateName != workflows.UpdateObject {
		return nil, fmt.Errorf("objectionTemporal: Update %q is not modelled", o.UpdateName)
	}
	filing := o.Args[0].(workflows.ObjectionFiling)
	caseID, err := strconv.ParseInt(strings.TrimPrefix(o.WorkflowID, "case/"), 10, 64)
	if err != nil {
		return nil, err
	}
	notice, err := f.acts.Store.OpenNoticeOf(ctx, caseID)
	if err != nil {
		return updateHandle{o: o, err: temporal.NewApplicationError("case is not in public notice", workflows.RejectConflict)}, nil
	}
	cs, err := f.acts.Store.Case(ctx, caseID)
	if err != nil {
		return nil, err
	}
	switch n := utf8.RuneCountInString(filing.Reason); {
	case filing.ActorID == cs.ApplicantID:
		return updateHandle{o: o, err: temporal.NewApplicationError("the applicant cannot object to their own case",
			workflows.RejectForbidden)}, nil
	case n == 0 || n > 2000:
		return updateHandle{o: o, err: temporal.NewApplicationError("reason must be 1 to 2000 characters",
			workflows.RejectInvalid)}, nil
	}
	f.filings[o.WorkflowID]++
	id, err := f.acts.FileObjection(ctx, activities.ObjectionInput{
		Key:    fmt.Sprintf("%s/objection/%d", o.WorkflowID, f.filings[o.WorkflowID]),
		CaseID: caseID, NoticeID: notice.ID, FiledBy: filing.ActorID, Anonymous: filing.Anonymous,
		Reason: filing.Reason, At: time.Now()})
	if err != nil {
		return nil, err
	}
	res := workflows.Result{Status: cs.Status, Stage: "notice", ObjectionID: id}
	f.answers[key] = res
	return updateHandle{o: o, res: res}, nil
}

// sent reports how many times Update id was sent.
func (f *objectionTemporal) sent(id string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, r := range f.received {
		if r == id {
			n++
		}
	}
	return n
}

// updateHandle is a completed Update: its result or its refusal.
type updateHandle struct {
	o   client.UpdateWorkflowOptions
	res workflows.Result
	err error
}

func (h updateHandle) WorkflowID() string { return h.o.WorkflowID }
func (h updateHandle) RunID() string      { return "" }
func (h updateHandle) UpdateID() string   { return h.o.UpdateID }

func (h updateHandle) Get(_ context.Context, valuePtr any) error {
	if h.err != nil {
		return h.err
	}
	*valuePtr.(*workflows.Result) = h.res
	return nil
}

// noticedCase stores a case of applicant in the demo village as a
// workflow leaves it on public notice: in_notice, with an open notice.
func noticedCase(s *Server, head, applicant string) (store.Case, error) {
	ctx := context.Background()
	u, err := s.store.UserByUsername(ctx, applicant)
	if err != nil {
		return store.Case{}, err
	}
	c, _, err := s.store.CreateCase(ctx, store.NewCase{Program: "monitoring", RegionCode: store.DemoVillage,
		Channel: "self_report", ApplicantID: u.ID, SubmittedBy: u.ID, IdempotencyKey: head,
		DefinitionKey: "monitoring-identification", DefinitionVersion: 1, HeadName: head, HouseholdSize: 3,
		Household: map[string]any{"head_name": head, "phone": "13900001111", "group": "三组"}})
	if err != nil {
		return store.Case{}, err
	}
	if err := s.store.Project(ctx, store.Projection{CaseID: c.ID, Seq: 1, Status: store.StatusInNotice,
		CurrentStages: []store.CurrentStage{{ID: "notice", Name: "公示"}}}); err != nil {
		return store.Case{}, err
	}
	now := time.Now()
	_, err = s.store.OpenNotice(ctx, fmt.Sprintf("case/%d/notice", c.ID), c.ID, "notice", store.DemoVillage,
		now, now.Add(5*24*time.Hour))
	return c, err
}
