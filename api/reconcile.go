package api

import (
	"context"
	"time"
)

// Reconcile starts the workflow of every case that has none yet. A process
// that dies between storing a submission and starting its workflow leaves
// such a case behind; starting is idempotent (the workflow id is the
// case's), so reconciling a case whose workflow already runs is harmless.
func (s *Server) Reconcile(ctx context.Context) (int, error) {
	cs, err := s.store.Unstarted(ctx, 500)
	if err != nil {
		return 0, err
	}
	started := 0
	for _, c := range cs {
		def, err := s.caseDefinition(ctx, c)
		if err != nil {
			s.log.Warn("reconcile: definition unreadable", "case", c.ID, "error", err)
			continue
		}
		if err := s.startCase(ctx, c, def, householdOf(c)); err != nil {
			s.log.Warn("reconcile: start failed", "case", c.ID, "error", err)
			continue
		}
		started++
	}
	return started, nil
}

// ReconcileLoop reconciles now and then every interval until ctx ends.
//
// The first round also sends again every Update still in the outbox, sent
// before this process started and perhaps cut off by a crash; later rounds
// those left unanswered for longer than any request waits.
func (s *Server) ReconcileLoop(ctx context.Context, every time.Duration) {
	due := time.Now().Add(outboxGrace)
	for {
		if n, err := s.Reconcile(ctx); err != nil && ctx.Err() == nil {
			s.log.Warn("reconcile failed", "error", err)
		} else if n > 0 {
			s.log.Info("cases reconciled", "started", n)
		}
		if n, err := s.ResendUpdates(ctx, due); err != nil && ctx.Err() == nil {
			s.log.Warn("outbox sweep failed", "error", err)
		} else if n > 0 {
			s.log.Info("unanswered updates sent again", "answered", n)
		}
		due = time.Now()
		select {
		case <-ctx.Done():
			return
		case <-time.After(every):
		}
	}
}
