package api

import (
	"errors"
	"sort"

	"github.com/assistflow/assistflow/process"
	"github.com/assistflow/assistflow/rbac"
	"github.com/assistflow/assistflow/store"
	"github.com/gofiber/fiber/v2"
)

// adminPages are the administrators' pages: definitions, users and grants,
// regions and policies. Each has the access of the JSON admin route it
// mirrors, and every change goes through the function that route's
// handler calls, so it is checked and audited the same way.
func (s *Server) adminPages() []pageRoute {
	defRead, defManage := need(rbac.ObjDefinition, rbac.ActRead), need(rbac.ObjDefinition, rbac.ActManage)
	return []pageRoute{
		{"GET", "/admin/definitions", s.pageDefinitions, defRead, "admin.nav.definitions"},
		{"POST", "/admin/definitions", s.pageDraftCreate, defManage, ""},
		{"POST", "/admin/definitions/requests/:id/approve", s.pageApprove, defManage, ""},
		{"GET", "/admin/definitions/:key", s.pageDefinition, defRead, ""},
		{"POST", "/admin/definitions/:key/draft", s.pageDraftSave, defManage, ""},
		{"POST", "/admin/definitions/:key/draft/start", s.pageDraftStart, defManage, ""},
		{"POST", "/admin/definitions/:key/simulate", s.pageSimulate, defRead, ""},
		{"POST", "/admin/definitions/:key/publish", s.pagePublish, defManage, ""},
		{"POST", "/admin/definitions/:key/activate", s.pageActivate, defManage, ""},
		{"GET", "/admin/users", s.pageUsers, need(rbac.ObjUser, rbac.ActRead), "admin.nav.users"},
		{"POST", "/admin/users", s.pageUserCreate, need(rbac.ObjUser, rbac.ActManage), ""},
		{"POST", "/admin/users/:id/disable", s.pageUserSwitch(true), need(rbac.ObjUser, rbac.ActManage), ""},
		{"POST", "/admin/users/:id/enable", s.pageUserSwitch(false), need(rbac.ObjUser, rbac.ActManage), ""},
		{"POST", "/admin/users/:id/password", s.pageUserPassword, need(rbac.ObjUser, rbac.ActManage), ""},
		{"POST", "/admin/grants", s.pageGrantAdd, need(rbac.ObjGrant, rbac.ActManage), ""},
		{"POST", "/admin/grants/:id/remove", s.pageGrantRemove, need(rbac.ObjGrant, rbac.ActManage), ""},
		{"GET", "/admin/regions", s.pageRegions, need(rbac.ObjRegion, rbac.ActRead), "admin.nav.regions"},
		{"POST", "/admin/regions/import", s.pageRegionImport, need(rbac.ObjRegion, rbac.ActManage), ""},
		{"GET", "/admin/policies", s.pagePolicies, need(rbac.ObjPolicy, rbac.ActRead), "admin.nav.policies"},
		{"POST", "/admin/policies", s.pagePolicyChange(true), need(rbac.ObjPolicy, rbac.ActManage), ""},
		{"POST", "/admin/policies/remove", s.pagePolicyChange(false), need(rbac.ObjPolicy, rbac.ActManage), ""},
	}
}

// formProblems is what a form shows after a refused change: messages by
// field path (as the API names them) and those that belong to no field.
type formProblems struct {
	Fields  map[string][]string
	General []string
	List    process.ValidationError
}

// Has reports whether a field has a problem; templates mark it invalid.
func (f *formProblems) Has(field string) bool { return f != nil && len(f.Fields[field]) > 0 }

// problemsOf turns an error into form problems when it is a 4xx answer
// with field errors or a detail; any other error is returned as is, for
// the error page.
func problemsOf(err error) (*formProblems, error) {
	var pe *problem
	if !errors.As(err, &pe) || pe.p.Status >= 500 || pe.p.Status == fiber.StatusForbidden {
		return nil, err
	}
	f := &formProblems{Fields: map[string][]string{}, List: pe.p.Errors}
	for _, fe := range pe.p.Errors {
		f.Fields[fe.Field] = append(f.Fields[fe.Field], fe.Message)
	}
	if len(pe.p.Errors) == 0 {
		f.General = append(f.General, pe.p.Detail)
	}
	return f, nil
}

// pageRequest is a pending maker-checker request as the pages show it:
// who asked, whether the viewer asked (and so may not approve), and for a
// publish on a definition's page what it would change.
type pageRequest struct {
	requestView
	By   string
	Mine bool
	Diff *definitionDiff
}

// pageRequests lists the pending requests the viewer may see, of one key
// (with the changes a publish would make) or of all ("").
func (s *Server) pageRequests(c *fiber.Ctx, key string, latest []byte) ([]pageRequest, error) {
	all, err := s.pendingRequests(c)
	if err != nil {
		return nil, err
	}
	me := principal(c).User.ID
	var out []pageRequest
	for _, r := range all {
		if key != "" && r.Key != key {
			continue
		}
		pr := pageRequest{requestView: r, Mine: r.RequestedBy == me}
		if u, err := s.store.User(c.UserContext(), r.RequestedBy); err == nil {
			pr.By = u.DisplayName
		}
		if key != "" && r.Kind == store.RequestPublish {
			old, oerr := process.Parse(latest)
			cur, cerr := process.Parse(r.Body)
			if oerr == nil && cerr == nil {
				d := diffDefinitions(key, "", "", old, cur)
				pr.Diff = &d
			}
		}
		out = append(out, pr)
	}
	return out, nil
}

// definitionsData is the definitions list page.
type definitionsData struct {
	Items    []*definitionView
	Requests []pageRequest
	Manage   bool
	Source   string
	Problems *formProblems
}

func (s *Server) pageDefinitions(c *fiber.Ctx) error {
	return s.renderDefinitions(c, "", nil)
}

// renderDefinitions shows the list; source and probs keep a refused new
// draft on screen with its problems.
func (s *Server) renderDefinitions(c *fiber.Ctx, source string, probs *formProblems) error {
	items, err := s.definitionsOf(c)
	if err != nil {
		return err
	}
	reqs, err := s.pageRequests(c, "", nil)
	if err != nil {
		return err
	}
	manage := s.pageAllowed(principal(c), need(rbac.ObjDefinition, rbac.ActManage))
	return s.render(c, "admin_definitions", "admin.definitions.title",
		definitionsData{Items: items, Requests: reqs, Manage: manage, Source: source, Problems: probs})
}

// pageDraftCreate starts a new definition from a pasted YAML or JSON
// document.
func (s *Server) pageDraftCreate(c *fiber.Ctx) error {
	source := c.FormValue("source")
	d, err := parseDraft([]byte(source))
	if err == nil {
		_, err = s.saveDraft(c, d, true)
	}
	if err != nil {
		probs, err := problemsOf(err)
		if err != nil {
			return err
		}
		c.Status(fiber.StatusUnprocessableEntity)
		return s.renderDefinitions(c, source, probs)
	}
	s.setFlash(c, "admin.flash.draft_created")
	return c.Redirect("/admin/definitions/"+d.Key, fiber.StatusSeeOther)
}

// pageApprove applies another administrator's pending request.
func (s *Server) pageApprove(c *fiber.Ctx) error {
	r, err := s.approve(c)
	if err != nil {
		return err
	}
	s.setFlash(c, "admin.flash.approved")
	return c.Redirect("/admin/definitions/"+r.Key, fiber.StatusSeeOther)
}

// managedRegions are the regions p may act on obj in, in tree order: the
// choices of a region picker.
func (s *Server) managedRegions(c *fiber.Ctx, obj string) ([]store.Region, error) {
	rs, err := s.store.Regions(c.UserContext())
	if err != nil {
		return nil, err
	}
	p := principal(c)
	var out []store.Region
	for _, r := range rs {
		if s.manages(p, r.Path, obj) {
			out = append(out, r)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out, nil
}
