package activities

import (
	"context"

	"github.com/assistflow/assistflow/internal/failpoint"
	"github.com/assistflow/assistflow/store"
)

// Write is one short database write of a case; exactly one field is set.
type Write struct {
	Event   *EventInput       `json:",omitempty"`
	Open    *OpenTaskInput    `json:",omitempty"`
	Close   *CloseTaskInput   `json:",omitempty"`
	Cancel  *CancelTasksInput `json:",omitempty"`
	Project *ProjectInput     `json:",omitempty"`
}

// Applied answers Apply: the ids of the tasks it opened, by task key.
type Applied struct {
	TaskIDs map[string]int64 `json:",omitempty"`
}

// Apply runs the writes a case's workflow queued between two waits, in
// order and in one transaction: a decision closes its task, opens the
// next and projects the case in one commit. Every write is keyed, so a
// retried batch finds its rows and changes nothing twice.
func (a *Activities) Apply(ctx context.Context, writes []Write) (Applied, error) {
	res := Applied{TaskIDs: map[string]int64{}}
	err := a.Store.Batch(ctx, func(st *store.Store) error {
		b := *a
		b.Store = st
		for _, w := range writes {
			var err error
			switch {
			case w.Event != nil:
				err = b.RecordEvent(ctx, *w.Event)
			case w.Open != nil:
				res.TaskIDs[w.Open.Key], err = b.openTask(ctx, *w.Open)
			case w.Close != nil:
				err = b.CloseTask(ctx, *w.Close)
			case w.Cancel != nil:
				err = b.CancelTasks(ctx, *w.Cancel)
			case w.Project != nil:
				err = b.Project(ctx, *w.Project)
			}
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return Applied{}, err
	}
	for _, w := range writes {
		if w.Open != nil {
			// A crash drill stops here, by stage: the rows are committed,
			// the answer not yet given.
			failpoint.Crash("activities/open-task-committed/" + w.Open.Stage)
		}
	}
	return res, nil
}
