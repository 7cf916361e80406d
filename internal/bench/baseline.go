package bench

import (
	"context"
	"fmt"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
)

// The baseline's names: a task queue and worker of its own on the same
// server, so it shares the engine with the platform and nothing else.
const (
	baselineQueue    = "assistflow-bench-baseline"
	baselineWorkflow = "BenchBaseline"
	baselineUpdate   = "decide"
)

// BaselineWorkflow waits for reviews Updates and ends: the least any
// engine-driven approval chain can do.
func BaselineWorkflow(ctx workflow.Context, reviews int) error {
	decided := 0
	err := workflow.SetUpdateHandler(ctx, baselineUpdate, func(ctx workflow.Context, action string) (string, error) {
		decided++
		return action, nil
	})
	if err != nil {
		return err
	}
	return workflow.Await(ctx, func() bool { return decided >= reviews })
}

type baseline struct {
	c   client.Client
	w   worker.Worker
	run int64
}

func startBaseline(c client.Client) (*baseline, error) {
	w := worker.New(c, baselineQueue, worker.Options{})
	w.RegisterWorkflowWithOptions(BaselineWorkflow, workflow.RegisterOptions{Name: baselineWorkflow})
	if err := w.Start(); err != nil {
		return nil, fmt.Errorf("start baseline worker: %w", err)
	}
	return &baseline{c: c, w: w, run: time.Now().UnixNano()}, nil
}

func (b *baseline) stop() { b.w.Stop() }

// drive starts each case's workflow, sends it one Update per review and
// waits for it to end, as the platform's approver desk does over HTTP.
func (b *baseline) drive(ctx context.Context, cases []int) ([]time.Duration, error) {
	var lat []time.Duration
	for _, i := range cases {
		run, err := b.c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: fmt.Sprintf("bench-baseline-%d-%d", b.run, i),
			TaskQueue: baselineQueue, EnableEagerStart: true}, baselineWorkflow, len(reviewers))
		if err != nil {
			return lat, err
		}
		for range reviewers {
			start := time.Now()
			h, err := b.c.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{WorkflowID: run.GetID(), RunID: run.GetRunID(),
				UpdateName: baselineUpdate, Args: []any{"approve"}, WaitForStage: client.WorkflowUpdateStageCompleted})
			if err != nil {
				return lat, err
			}
			if err := h.Get(ctx, nil); err != nil {
				return lat, err
			}
			lat = append(lat, time.Since(start))
		}
		if err := run.Get(ctx, nil); err != nil {
			return lat, err
		}
	}
	return lat, nil
}
