package simulate

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/assistflow/assistflow/process"
	"github.com/assistflow/assistflow/workflows"
	"go.temporal.io/sdk/testsuite"
)

// official plays the scenario's people on the workflow clock: officials
// decide each task as it opens, a resident objects during the notice, the
// applicant supplies materials and may withdraw. It sees the case only
// through the events it is told of, so the simulation and a run on the real
// store (the test that keeps them alike) drive a case the same way.
type official struct {
	ctx       context.Context
	env       *testsuite.TestWorkflowEnvironment
	def       process.Definition
	plan      plan
	people    people
	opened    map[string]int // openings so far of the task at a ref
	filed     []int          // plan index of each objection, in filing order
	sent      int
	decisions int
	noticed   bool

	mu  sync.Mutex
	err error // the first reason the scenario cannot finish
}

// people are who acts, and how to tell a task still waits for them.
type people struct {
	applicant, resident int64
	official            func(role string) int64
	isOpen              func(taskID int64) bool
}

// openedTask is a task as its OpenTask call (or inbox row) describes it.
type openedTask struct {
	ID              int64
	Key, Role, Kind string
}

type noticePosted struct{}

func newOfficial(ctx context.Context, env *testsuite.TestWorkflowEnvironment, def process.Definition, p plan, who people) *official {
	return &official{ctx: ctx, env: env, def: def, plan: p, people: who, opened: map[string]int{}}
}

// begin schedules what does not wait for a task: the withdrawal, and the
// watchdog that ends a case nobody finishes.
func (o *official) begin() {
	if o.plan.withdrawAfter > 0 {
		o.later(o.plan.withdrawAfter, func() {
			o.send(workflows.UpdateWithdraw, workflows.Withdrawal{ActorID: o.people.applicant, Reason: "模拟撤回"}, "the withdrawal")
		})
	}
	o.later(maxSimulated, func() {
		o.fail(fmt.Errorf("the case was still open after %s of simulated time", isoDuration(maxSimulated)))
	})
}

// taskOpened schedules the decision of a task that just opened.
func (o *official) taskOpened(t openedTask) {
	ref, stage := refOf(t.Key)
	if t.Kind == kindObjection {
		n, _ := strconv.Atoi(strings.TrimPrefix(ref, stage+"/objection-"))
		if n < 1 || n > len(o.filed) {
			o.fail(fmt.Errorf("objection review %s matches no filed objection", t.Key))
			return
		}
		s := o.plan.objections[o.filed[n-1]].decision
		o.later(s.after, func() { o.decide(t, ref, s.decision) })
		return
	}
	s := o.plan.next(ref, o.opened[ref])
	o.opened[ref]++
	o.later(s.after, func() { o.decide(t, ref, s.decision) })
}

const kindObjection = "objection"

// refOf reads "stage" or "stage/branch" from a task key
// ("case/7/intake//1", "case/7/notice/objection-1/1").
func refOf(key string) (ref, stage string) {
	parts := strings.Split(key, "/")
	if len(parts) < 3 {
		return key, key
	}
	stage, branch := parts[len(parts)-3], parts[len(parts)-2]
	if branch == "" {
		return stage, stage
	}
	return stage + "/" + branch, stage
}

func branchOf(key string) string {
	ref, stage := refOf(key)
	return strings.TrimPrefix(strings.TrimPrefix(ref, stage), "/")
}

// noticeOpened files the scenario's objections against the first notice.
func (o *official) noticeOpened() {
	if o.noticed {
		return
	}
	o.noticed = true
	for i, ob := range o.plan.objections {
		o.later(ob.after, func() {
			o.filed = append(o.filed, i)
			o.send(workflows.UpdateObject, workflows.ObjectionFiling{ActorID: o.people.resident, Reason: "模拟异议",
				Anonymous: true}, fmt.Sprintf("objection %d", i+1))
		})
	}
}

// decide sends d for t, unless t closed meanwhile (a countersign settled
// by another branch, a withdrawn case).
func (o *official) decide(t openedTask, ref string, d workflows.Decision) {
	if !o.people.isOpen(t.ID) {
		return
	}
	if o.decisions++; o.decisions > maxDecisions {
		o.fail(fmt.Errorf("%d decisions were taken and the case is still open", maxDecisions))
		return
	}
	d.TaskKey, d.TaskID, d.ActorID, d.ActorRole = t.Key, t.ID, o.people.official(t.Role), t.Role
	if t.Kind == process.KindAppraisal && d.Appraisal == nil {
		d.Appraisal = o.unanimous(t)
	}
	o.send(workflows.UpdateDecide, d, fmt.Sprintf("%s at %s", d.Action, ref))
	if d.Action == process.ActionReturnToApplicant {
		o.later(o.plan.supplyAfter, func() {
			o.send(workflows.UpdateSupplyMaterials, workflows.Materials{ActorID: o.people.applicant,
				Note: "模拟补充材料"}, "supplying materials")
		})
	}
}

// unanimous is a vote that meets the appraisal stage's quorum.
func (o *official) unanimous(t openedTask) *workflows.Appraisal {
	_, stage := refOf(t.Key)
	n := 1
	if i := o.def.StageIndex(stage); i >= 0 && o.def.Stages[i].Quorum != nil {
		n = max(n, o.def.Stages[i].Quorum.MinAttendees)
	}
	return &workflows.Appraisal{Attendees: n, VotesFor: n, Minutes: "模拟评议"}
}

// send delivers an Update; a refusal ends the simulation with the
// workflow's own reason.
func (o *official) send(name string, arg any, what string) {
	o.sent++
	o.env.UpdateWorkflow(name, fmt.Sprintf("simulate-%d", o.sent), &testsuite.TestUpdateCallback{
		OnAccept: func() {},
		OnReject: func(err error) { o.fail(fmt.Errorf("%s was refused: %w", what, err)) },
		OnComplete: func(_ any, err error) {
			if err != nil {
				o.fail(fmt.Errorf("%s failed: %w", what, err))
			}
		},
	}, arg)
}

// later runs f after d of workflow time, unless the case has ended or the
// simulation was stopped meanwhile.
func (o *official) later(d time.Duration, f func()) {
	o.env.RegisterDelayedCallback(func() {
		if o.failure() != nil || o.env.IsWorkflowCompleted() {
			return
		}
		if err := o.ctx.Err(); err != nil {
			o.fail(err)
			return
		}
		f()
	}, d)
}

// fail records why the scenario cannot finish and cancels the case. It may
// run on a workflow goroutine (an Update's callback), hence the lock.
func (o *official) fail(err error) {
	o.mu.Lock()
	first := o.err == nil
	if first {
		o.err = err
	}
	o.mu.Unlock()
	if first {
		o.env.CancelWorkflow()
	}
}

func (o *official) failure() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.err
}
