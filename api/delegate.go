package api

import (
	"fmt"
	"strings"
	"time"

	"github.com/assistflow/assistflow/process"
	"github.com/assistflow/assistflow/rbac"
	"github.com/assistflow/assistflow/store"
	"github.com/gofiber/fiber/v2"
)

type delegateRequest struct {
	ToUser string `json:"to_user"`
	Until  string `json:"until"` // RFC 3339
}

// maxDelegation bounds how long an acting official may hold a task.
const maxDelegation = 90 * 24 * time.Hour

// delegateTask hands a claimed task to an acting official who holds an
// official role over the task's region. Their decisions are recorded as
// theirs, on behalf of the holder.
func (s *Server) delegateTask(c *fiber.Ctx) error {
	t, err := s.visibleTask(c, c.Params("id"))
	if err != nil {
		return err
	}
	var req delegateRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	now := s.cfg.Now()
	var errs process.ValidationError
	if req.ToUser == "" {
		errs = append(errs, process.FieldError{Field: "to_user", Message: "is required (a username)"})
	}
	until, perr := time.Parse(time.RFC3339, req.Until)
	if perr != nil || !until.After(now) || until.Sub(now) > maxDelegation {
		errs = append(errs, process.FieldError{Field: "until", Message: "an RFC 3339 time in the future, at most 90 days ahead"})
	}
	if len(errs) > 0 {
		return invalid(errs)
	}
	to, err := s.store.UserByUsername(c.UserContext(), req.ToUser)
	if err != nil || to.Disabled {
		return badField("to_user", fmt.Sprintf("no active user %q", req.ToUser))
	}
	if to.ID == principal(c).User.ID {
		return badField("to_user", "must be someone other than you, the holder")
	}
	grants, err := s.store.GrantsOf(c.UserContext(), to.ID)
	if err != nil {
		return err
	}
	acting := &Principal{User: to, Grants: grants}
	official := false
	for _, path := range s.regionsFor(acting, rbac.ObjTask, rbac.ActDecide) {
		official = official || strings.HasPrefix(t.RegionPath, path)
	}
	if !official {
		return badField("to_user", "must hold an official role over the task's region")
	}
	// Acting for someone is a grant of their power to decide: audited, in
	// the same transaction.
	by := principal(c).User.ID
	err = s.store.Batch(c.UserContext(), func(st *store.Store) error {
		if err := st.Delegate(c.UserContext(), t.ID, by, to.ID, until); err != nil {
			return err
		}
		return st.Audit(c.UserContext(), store.AuditEvent{EventKey: fmt.Sprintf("delegate/%d/%d", t.ID, now.UnixNano()),
			ActorID: &by, Action: "task.delegate", Object: fmt.Sprintf("task/%d", t.ID),
			Detail: mustJSON(map[string]any{"to_user": to.ID, "until": until})})
	})
	if err != nil {
		return err
	}
	t, _ = s.store.Task(c.UserContext(), t.ID)
	return c.JSON(viewOfTask(t, now))
}
