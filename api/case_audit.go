package api

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/assistflow/assistflow/process"
	"github.com/assistflow/assistflow/rbac"
	"github.com/assistflow/assistflow/store"
	"github.com/gofiber/fiber/v2"
)

// caseAudit answers a case's audit trail to whoever may read the case,
// its applicant included: households are entitled to see who acted on
// their application and when. Entries name the actor and role only.
func (s *Server) caseAudit(c *fiber.Ctx) error {
	cs, err := s.visibleCase(c)
	if err != nil {
		return err
	}
	items, err := s.store.AuditOfCase(c.UserContext(), cs.ID)
	if err != nil {
		return err
	}
	if items == nil {
		items = []store.CaseAuditEntry{}
	}
	return c.JSON(fiber.Map{"case_id": cs.ID, "items": items})
}

type revealRequest struct {
	Reason string `json:"reason"`
}

// maxRevealReason bounds the reason an official gives for unmasking.
const maxRevealReason = 500

// revealCase gives an official who may read the case the household's ID
// numbers, phone and bank account unmasked. Every reveal is an audit event
// with the reason given, so a reader of personal data is accountable.
func (s *Server) revealCase(c *fiber.Ctx) error {
	cs, err := s.visibleCase(c)
	if err != nil {
		return err
	}
	p := principal(c)
	if !s.cfg.Authz.Allowed(p.User.ID, cs.RegionPath, rbac.ObjCase, rbac.ActRead) {
		return newProblem(fiber.StatusForbidden, "only officials of the case's region may reveal its personal data")
	}
	var req revealRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	reason := strings.TrimSpace(req.Reason)
	switch {
	case reason == "":
		return badField("reason", "说明查看完整身份信息的理由 / give a reason for revealing personal data")
	case utf8.RuneCountInString(reason) > maxRevealReason:
		return badField("reason", fmt.Sprintf("at most %d characters", maxRevealReason))
	}
	id := p.User.ID
	if err := s.store.Audit(c.UserContext(), store.AuditEvent{
		EventKey: fmt.Sprintf("reveal/%d/%d/%d", cs.ID, id, s.cfg.Now().UnixNano()), ActorID: &id,
		Action: "case.reveal", Object: fmt.Sprintf("case/%d", cs.ID), RegionPath: cs.RegionPath,
		Detail: mustJSON(map[string]any{"reason": reason})}); err != nil {
		return err // no audit event, no personal data
	}
	h := householdOf(cs)
	return c.JSON(revealView{CaseID: cs.ID, Phone: h.Phone, BankAccount: h.BankAccount, Members: h.Members})
}

type revealView struct {
	CaseID      int64            `json:"case_id"`
	Phone       string           `json:"phone,omitempty"`
	BankAccount string           `json:"bank_account,omitempty"`
	Members     []process.Member `json:"members"`
}
