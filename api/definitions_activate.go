package api

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/assistflow/assistflow/process"
	"github.com/assistflow/assistflow/rbac"
	"github.com/assistflow/assistflow/store"
	"github.com/gofiber/fiber/v2"
)

type activationRequest struct {
	Version int    `json:"version"`
	Region  string `json:"region"`
}

// atTop reports whether p may act on definitions at a top-level region.
// Activating a version everywhere changes every county's new cases, so only
// an administrator there may (act = manage), and only readers there see
// such a request (act = read).
func (s *Server) atTop(p *Principal, act string) bool {
	return slices.ContainsFunc(p.Grants, func(g store.Grant) bool {
		return strings.Count(g.RegionPath, "/") == 1 && s.cfg.Authz.Allowed(p.User.ID, g.RegionPath, rbac.ObjDefinition, act)
	})
}

// activationRegion returns the path of the region to activate in (code ""
// = everywhere, path ""), or why p may not activate there.
func (s *Server) activationRegion(c *fiber.Ctx, p *Principal, code string) (string, string) {
	if code == "" {
		if !s.atTop(p, rbac.ActManage) {
			return "", "everywhere (\"\") needs an administrator of a top-level region; name a region you administer"
		}
		return "", ""
	}
	r, err := s.store.Region(c.UserContext(), code)
	switch {
	case err != nil:
		return "", fmt.Sprintf("unknown region %q", code)
	case !s.manages(p, r.Path, rbac.ObjDefinition):
		return r.Path, "outside the regions you administer"
	}
	return r.Path, ""
}

// activate chooses the version new cases start on in a region and below.
// A region outside the admin's subtree is a 422 on "region", like a grant
// outside it (checkGrant): the request names a field the admin can fix.
func (s *Server) activate(c *fiber.Ctx) error {
	var req activationRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	key := c.Params("key")
	r, err := s.activateVersion(c, key, req)
	switch {
	case err != nil:
		return err
	case r != nil:
		return c.Status(fiber.StatusAccepted).JSON(requestView{*r, r.Body})
	}
	return c.JSON(fiber.Map{"key": key, "version": req.Version, "region": req.Region})
}

// activateVersion checks and applies (or, under maker-checker, requests)
// an activation and audits it; shared by the JSON handler and the page.
func (s *Server) activateVersion(c *fiber.Ctx, key string, req activationRequest) (*store.DefinitionRequest, error) {
	p := principal(c)
	var errs process.ValidationError
	if _, err := s.store.DefinitionVersion(c.UserContext(), key, req.Version); errors.Is(err, store.ErrNotFound) {
		errs = append(errs, process.FieldError{Field: "version", Message: fmt.Sprintf("no published version %d of %s", req.Version, key)})
	} else if err != nil {
		return nil, err
	}
	path, msg := s.activationRegion(c, p, req.Region)
	if msg != "" {
		errs = append(errs, process.FieldError{Field: "region", Message: msg})
	}
	if len(errs) > 0 {
		return nil, invalid(errs)
	}
	if s.cfg.MakerChecker {
		r, err := s.request(c, store.DefinitionRequest{Kind: store.RequestActivate, Key: key, Version: req.Version,
			RegionCode: req.Region, RegionPath: path})
		return &r, err
	}
	return nil, s.audited(c, "definition.activate", func(st *store.Store) (string, map[string]any, error) {
		return "definition/" + key, map[string]any{"version": req.Version, "region": req.Region},
			st.Activate(c.UserContext(), key, req.Version, req.Region)
	})
}

func (s *Server) listActivations(c *fiber.Ctx) error {
	acts, err := s.store.Activations(c.UserContext(), c.Params("key"))
	if err != nil {
		return err
	}
	if acts == nil {
		acts = []store.Activation{}
	}
	return c.JSON(fiber.Map{"items": acts})
}

// requestView shows a request with, for a publish, the document asked for,
// so the second administrator reviews exactly what would be frozen.
type requestView struct {
	store.DefinitionRequest
	Definition store.JSON `json:"definition,omitempty"`
}

// request records a publish or activation for a second administrator.
func (s *Server) request(c *fiber.Ctx, r store.DefinitionRequest) (store.DefinitionRequest, error) {
	r.RequestedBy = principal(c).User.ID
	err := s.audited(c, "definition.request", func(st *store.Store) (string, map[string]any, error) {
		var err error
		r, err = st.CreateRequest(c.UserContext(), r)
		return "definition/" + r.Key, map[string]any{"request": r.ID, "kind": r.Kind, "version": r.Version,
			"region": r.RegionCode}, err
	})
	return r, err
}

func (s *Server) listRequests(c *fiber.Ctx) error {
	items, err := s.pendingRequests(c)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"items": items})
}

// pendingRequests shows pending publishes to every definition reader, and
// pending activations only to those who may act on that region.
func (s *Server) pendingRequests(c *fiber.Ctx) ([]requestView, error) {
	rs, err := s.store.PendingRequests(c.UserContext())
	if err != nil {
		return nil, err
	}
	items := []requestView{}
	for _, r := range rs {
		if r.Kind == store.RequestActivate && !s.readsRegion(principal(c), r.RegionPath) {
			continue
		}
		items = append(items, requestView{r, r.Body})
	}
	return items, nil
}

func (s *Server) readsRegion(p *Principal, path string) bool {
	if path == "" {
		return s.atTop(p, rbac.ActRead)
	}
	return s.cfg.Authz.Allowed(p.User.ID, path, rbac.ObjDefinition, rbac.ActRead)
}

// approveRequest applies a request as its checker. The checker must be a
// different administrator, and for an activation one who could have
// activated in that region themselves.
func (s *Server) approveRequest(c *fiber.Ctx) error {
	r, err := s.approve(c)
	if err != nil {
		return err
	}
	return c.JSON(requestView{r, r.Body})
}

// approve applies the request of the path's :id as its checker and audits
// it; shared by the JSON handler and the definitions page.
func (s *Server) approve(c *fiber.Ctx) (store.DefinitionRequest, error) {
	id, _ := strconv.ParseInt(c.Params("id"), 10, 64)
	p := principal(c)
	r, err := s.store.Request(c.UserContext(), id)
	if err != nil {
		return r, err
	}
	if r.Kind == store.RequestActivate && !s.readsRegion(p, r.RegionPath) {
		return r, store.ErrNotFound // out of scope: not even a hint that it exists
	}
	if r.RequestedBy == p.User.ID {
		return r, newProblem(fiber.StatusForbidden, "you asked for this change; maker-checker needs a second administrator to approve it")
	}
	if r.Kind == store.RequestActivate {
		if _, msg := s.activationRegion(c, p, r.RegionCode); msg != "" {
			return r, newProblem(fiber.StatusForbidden, "region "+r.RegionCode+": "+msg)
		}
	}
	err = s.audited(c, "definition.request.approve", func(st *store.Store) (string, map[string]any, error) {
		var err error
		r, err = st.ApproveRequest(c.UserContext(), id, p.User.ID)
		return "definition/" + r.Key, map[string]any{"request": r.ID, "kind": r.Kind, "version": r.Version,
			"region": r.RegionCode, "requested_by": r.RequestedBy}, err
	})
	return r, err
}
