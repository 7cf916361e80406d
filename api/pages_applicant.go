package api

import (
	"github.com/assistflow/assistflow/rbac"
	"github.com/assistflow/assistflow/store"
	"github.com/gofiber/fiber/v2"
)

// applicantPages are the pages of applicants: apply, my cases, a case
// with its timeline and progress, uploads, withdrawal, the notice board.
// The case page serves officials too (pages_case.go).
func (s *Server) applicantPages() []pageRoute {
	readCase := need(rbac.ObjCase, rbac.ActRead, rbac.ActReadOwn)
	return []pageRoute{
		{"GET", "/my/cases", s.pageMyCases, need(rbac.ObjCase, rbac.ActReadOwn), "nav.my_cases"},
		{"GET", "/apply", s.pageApply, need(rbac.ObjCase, rbac.ActCreate), "nav.apply"},
		{"POST", "/apply", s.pageApplySubmit, need(rbac.ObjCase, rbac.ActCreate), ""},
		{"GET", "/cases/:id", s.pageCase, readCase, ""},
		{"GET", "/cases/:id/files/:aid", s.downloadAttachment, readCase, ""},
		{"POST", "/cases/:id/withdraw", s.pageWithdraw, need(rbac.ObjCase, rbac.ActWithdraw), ""},
		{"POST", "/cases/:id/materials", s.pageSupply, need(rbac.ObjCase, rbac.ActSupply), ""},
		{"POST", "/cases/:id/files", s.pageUpload, need(rbac.ObjCase, rbac.ActAttach), ""},
		{"GET", "/notices", s.pageNotices, need(rbac.ObjNotice, rbac.ActRead), "nav.notices"},
	}
}

// pageMyCases lists the user's own applications, newest first.
func (s *Server) pageMyCases(c *fiber.Ctx) error {
	p := principal(c)
	cs, _, err := s.store.Cases(c.UserContext(), store.CaseQuery{ApplicantID: p.User.ID, Limit: 100})
	if err != nil {
		return err
	}
	items := make([]caseSummary, 0, len(cs))
	for _, x := range cs {
		items = append(items, summaryOf(x))
	}
	return s.render(c, "my_cases", "my_cases.title", fiber.Map{"Cases": items})
}

// pageNotices shows the notice board of one of the user's regions (the
// first by default). Like the API's board it names households, never
// their ID numbers or phones.
func (s *Server) pageNotices(c *fiber.Ctx) error {
	p := principal(c)
	var regions []store.Region
	seen := map[string]bool{}
	for _, g := range p.Grants {
		if seen[g.RegionCode] || !s.cfg.Authz.Allowed(p.User.ID, g.RegionPath, rbac.ObjNotice, rbac.ActRead) {
			continue
		}
		seen[g.RegionCode] = true
		r, err := s.store.Region(c.UserContext(), g.RegionCode)
		if err != nil {
			return err
		}
		regions = append(regions, r)
	}
	if len(regions) == 0 {
		return store.ErrNotFound
	}
	cur := regions[0]
	for _, r := range regions {
		if r.Code == c.Query("region") {
			cur = r
		}
	}
	items, err := s.store.Board(c.UserContext(), cur.Path, 200)
	if err != nil {
		return err
	}
	return s.render(c, "notices", "notices.title", fiber.Map{"Regions": regions, "Region": cur, "Items": items})
}
