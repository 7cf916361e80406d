package rbac

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/assistflow/assistflow/store"
	"github.com/casbin/casbin/v2"
	"github.com/casbin/casbin/v2/model"
)

// Authorizer is the cached, concurrency-safe enforcer of one process.
type Authorizer struct {
	e       *casbin.SyncedCachedEnforcer
	src     Source
	log     *slog.Logger
	mu      sync.Mutex
	version int64
}

// New loads every policy and grant from src.
func New(ctx context.Context, src Source, log *slog.Logger) (*Authorizer, error) {
	m, err := model.NewModelFromString(modelText)
	if err != nil {
		return nil, fmt.Errorf("rbac: model: %w", err)
	}
	e, err := casbin.NewSyncedCachedEnforcer(m, &adapter{src: src, ctx: ctx})
	if err != nil {
		return nil, fmt.Errorf("rbac: enforcer: %w", err)
	}
	e.EnableAutoSave(false)
	a := &Authorizer{e: e, src: src, log: log}
	a.version, err = src.RBACVersion(ctx)
	return a, err
}

// Allowed reports whether the user may do act on obj in the region at
// path: whether some role they hold at that region or one above it has
// the policy.
func (a *Authorizer) Allowed(userID int64, path, obj, act string) bool {
	sub := subject(userID)
	for _, dom := range Ancestors(path) {
		// Most ancestors hold no grant of this user: a role lookup (a map
		// read) skips them before the matcher runs over every policy.
		if roles, _ := a.e.GetRolesForUser(sub, dom); len(roles) == 0 {
			continue
		}
		if ok, err := a.e.Enforce(sub, dom, obj, act); err == nil && ok {
			return true
		}
	}
	return false
}

// AllowedSomewhere reports whether the user may do act on obj in at least
// one region: the gate of a route before any object is known.
func (a *Authorizer) AllowedSomewhere(userID int64, obj, act string) bool {
	sub := subject(userID)
	doms, _ := a.e.GetDomainsForUser(sub)
	for _, dom := range doms {
		if ok, err := a.e.Enforce(sub, dom, obj, act); err == nil && ok {
			return true
		}
	}
	return false
}

// RolesAllowed lists the roles that may do act on obj.
func (a *Authorizer) RolesAllowed(obj, act string) []string {
	var out []string
	rows, _ := a.e.GetFilteredPolicy(1, obj, act)
	for _, r := range rows {
		out = append(out, r[0])
	}
	return out
}

// Ancestors lists the region paths from the root down to path itself.
func Ancestors(path string) []string {
	var out []string
	for i := 0; i < len(path); i++ {
		if path[i] == '/' {
			out = append(out, path[:i+1])
		}
	}
	return out
}

// Refresh reloads everything when another process changed grants or
// policies since this one last looked.
func (a *Authorizer) Refresh(ctx context.Context) error {
	v, err := a.src.RBACVersion(ctx)
	if err != nil {
		return err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if v == a.version {
		return nil
	}
	if err := a.e.LoadPolicy(); err != nil {
		return fmt.Errorf("rbac: reload: %w", err)
	}
	a.version = v
	return nil
}

// Watch refreshes every interval until ctx ends.
func (a *Authorizer) Watch(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := a.Refresh(ctx); err != nil && ctx.Err() == nil {
				a.log.Warn("rbac refresh failed", "error", err)
			}
		}
	}
}

// Changed applies a change this process just stored (version is what the
// store returned): incrementally when nothing else changed in between,
// else by a full reload.
func (a *Authorizer) Changed(ctx context.Context, version int64, apply func(e *casbin.SyncedCachedEnforcer) error) error {
	a.mu.Lock()
	if version == a.version+1 {
		err := apply(a.e)
		if err == nil {
			err = a.e.InvalidateCache()
			a.version = version
		}
		a.mu.Unlock()
		return err
	}
	a.mu.Unlock()
	return a.Refresh(ctx)
}

// GrantAdded applies a stored grant.
func (a *Authorizer) GrantAdded(ctx context.Context, g store.Grant, version int64) error {
	return a.Changed(ctx, version, func(e *casbin.SyncedCachedEnforcer) error {
		_, err := e.AddNamedGroupingPolicy("g", subject(g.UserID), g.Role, g.RegionPath)
		return err
	})
}

// GrantRemoved applies a removed grant.
func (a *Authorizer) GrantRemoved(ctx context.Context, g store.Grant, version int64) error {
	return a.Changed(ctx, version, func(e *casbin.SyncedCachedEnforcer) error {
		_, err := e.RemoveNamedGroupingPolicy("g", subject(g.UserID), g.Role, g.RegionPath)
		return err
	})
}

// PolicyChanged applies an added or removed policy.
func (a *Authorizer) PolicyChanged(ctx context.Context, p store.Policy, added bool, version int64) error {
	return a.Changed(ctx, version, func(e *casbin.SyncedCachedEnforcer) error {
		var err error
		if added {
			_, err = e.AddPolicy(p.Role, p.Object, p.Action)
		} else {
			_, err = e.RemovePolicy(p.Role, p.Object, p.Action)
		}
		return err
	})
}

// SetCache turns the decision cache on or off (benchmarks compare both).
func (a *Authorizer) SetCache(on bool) { a.e.EnableCache(on) }
