package api

import (
	"github.com/assistflow/assistflow/rbac"
	"github.com/assistflow/assistflow/store"
	"github.com/gofiber/fiber/v2"
)

// applicantPages are the pages of applicants: apply, my cases, a case
// with its timeline and progress, uploads, withdrawal, the notice board
// with its objection form (pages_notices.go).
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
		{"POST", "/notices/:id/objections", s.pageObject, need(rbac.ObjCase, rbac.ActObject), ""},
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
