package api

import (
	"context"

	"github.com/assistflow/assistflow/process"
	"github.com/assistflow/assistflow/store"
	"github.com/gofiber/fiber/v2"
)

type timelineEntry struct {
	At        string `json:"at"`
	Stage     string `json:"stage,omitempty"`
	Action    string `json:"action"`
	ActorRole string `json:"actor_role,omitempty"`
	// Acting marks a decision an acting official took on behalf of the
	// task's holder.
	Acting     bool   `json:"acting,omitempty"`
	ReasonCode string `json:"reason_code,omitempty"`
	Comment    string `json:"comment,omitempty"`
}

type caseView struct {
	caseSummary
	Channel    string                  `json:"channel"`
	Definition map[string]any          `json:"definition"`
	Household  process.Household       `json:"household"`
	Timeline   []timelineEntry         `json:"timeline"`
	DataChecks []store.DataCheckReport `json:"data_checks,omitempty"`
}

// writeCase answers with the case as the caller may see it.
func (s *Server) writeCase(c *fiber.Ctx, status int, id int64) error {
	v, err := s.caseViewFor(c.UserContext(), principal(c), id)
	if err != nil {
		return err
	}
	return c.Status(status).JSON(v)
}

// caseViewFor is a case as p may see it: the owner sees their household in
// full; officials see ID numbers, phone and bank account masked, and the
// data-check reports. The API and the case page both show this view, so
// the masking is the same on both.
func (s *Server) caseViewFor(ctx context.Context, p *Principal, id int64) (caseView, error) {
	cs, err := s.store.Case(ctx, id)
	if err != nil {
		return caseView{}, err
	}
	events, err := s.store.Timeline(ctx, id)
	if err != nil {
		return caseView{}, err
	}
	v := caseView{caseSummary: summaryOf(cs), Channel: cs.Channel, Household: householdOf(cs),
		Definition: map[string]any{"key": cs.DefinitionKey, "version": cs.DefinitionVersion},
		Timeline:   make([]timelineEntry, 0, len(events))}
	for _, e := range events {
		v.Timeline = append(v.Timeline, timelineEntry{At: e.At.UTC().Format("2006-01-02T15:04:05Z"), Stage: e.Stage,
			Action: e.Action, ActorRole: e.ActorRole, Acting: e.OnBehalfOf != nil, ReasonCode: e.ReasonCode, Comment: e.Comment})
	}
	if cs.ApplicantID != p.User.ID {
		v.Household = v.Household.Masked()
		if v.DataChecks, err = s.store.DataCheckReports(ctx, id); err != nil {
			return caseView{}, err
		}
	}
	return v, nil
}
