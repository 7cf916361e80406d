package api

import (
	"strings"

	"github.com/assistflow/assistflow/rbac"
	"github.com/assistflow/assistflow/store"
)

// scopes are the (role, region) pairs of the user whose role may do act on
// obj: the inbox and task visibility are role-specific, so they need the
// pairs, not a yes/no.
func (s *Server) scopes(p *Principal, obj, act string) []store.Scope {
	allowed := map[string]bool{}
	for _, r := range s.cfg.Authz.RolesAllowed(obj, act) {
		allowed[r] = true
	}
	var out []store.Scope
	for _, g := range p.Grants {
		if allowed[g.Role] {
			out = append(out, store.Scope{Role: g.Role, RegionPath: g.RegionPath})
		}
	}
	return out
}

// regionsFor lists the region subtrees where the user may do act on obj.
func (s *Server) regionsFor(p *Principal, obj, act string) []string {
	var out []string
	for _, sc := range s.scopes(p, obj, act) {
		out = append(out, sc.RegionPath)
	}
	return out
}

// canSeeCase: the owner sees their case; others need case:read over its
// region. Everything else is answered 404 by the caller.
func (s *Server) canSeeCase(p *Principal, cs store.Case) bool {
	az := s.cfg.Authz
	if cs.ApplicantID == p.User.ID && az.Allowed(p.User.ID, cs.RegionPath, rbac.ObjCase, rbac.ActReadOwn) {
		return true
	}
	return az.Allowed(p.User.ID, cs.RegionPath, rbac.ObjCase, rbac.ActRead)
}

// maySubmit: applicants submit for their own village (self report);
// officials allowed to create cases report households in their
// jurisdiction (cadre screening, department alerts).
func (s *Server) maySubmit(p *Principal, channel, path string) bool {
	if channel == "self_report" {
		return p.Holds("applicant", path) && s.cfg.Authz.Allowed(p.User.ID, path, rbac.ObjCase, rbac.ActCreate)
	}
	for _, sc := range s.scopes(p, rbac.ObjCase, rbac.ActCreate) {
		if sc.Role != "applicant" && strings.HasPrefix(path, sc.RegionPath) {
			return true
		}
	}
	return false
}

// inboxScopes: a role that decides tasks sees the tasks of its own role;
// a role that only reads them (the auditor) sees every task of its region.
func (s *Server) inboxScopes(p *Principal) []store.Scope {
	deciders := map[string]bool{}
	for _, r := range s.cfg.Authz.RolesAllowed(rbac.ObjTask, rbac.ActDecide) {
		deciders[r] = true
	}
	out := s.scopes(p, rbac.ObjTask, rbac.ActRead)
	for i := range out {
		if !deciders[out[i].Role] {
			out[i].Role = ""
		}
	}
	return out
}
