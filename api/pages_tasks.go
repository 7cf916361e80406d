package api

import (
	"fmt"
	"strings"
	"time"

	"github.com/assistflow/assistflow/store"
	"github.com/gofiber/fiber/v2"
)

// The holder of a task returns it to the pool or hands it to an acting
// official from the case page. Both only write the database, through the
// functions the JSON API uses (unclaim, delegate); no Temporal involved.

// pageUnclaim returns a task the user holds to the pool, through unclaim.
func (s *Server) pageUnclaim(c *fiber.Ctx) error {
	t, err := s.unclaim(c)
	if err != nil {
		return err
	}
	s.setFlash(c, "flash.unclaimed")
	return c.Redirect(fmt.Sprintf("/cases/%d#decide", t.CaseID), fiber.StatusSeeOther)
}

// pageDelegate hands a task the user holds to an acting official, through
// delegate; a refused form comes back on the case page with the API's
// field errors beside the fields.
func (s *Server) pageDelegate(c *fiber.Ctx) error {
	t, err := s.visibleTask(c, c.Params("id"))
	if err != nil {
		return err
	}
	f := delegationForm{ToUser: c.FormValue("to_user"), Until: c.FormValue("until")}
	if _, err := s.delegate(c, t, delegateRequest{ToUser: f.ToUser, Until: untilRFC3339(f.Until)}); err != nil {
		if f.Problems, err = problemsOf(err); err != nil {
			return err
		}
		cs, err := s.store.Case(c.UserContext(), t.CaseID)
		if err != nil {
			return err
		}
		if !s.canSeeCase(principal(c), cs) {
			return store.ErrNotFound
		}
		c.Status(fiber.StatusUnprocessableEntity)
		return s.renderCase(c, cs, func(pg *casePage) {
			for i := range pg.Tasks {
				if pg.Tasks[i].Task.ID == t.ID {
					pg.Tasks[i].Delegation = f
				}
			}
		})
	}
	s.setFlash(c, "flash.delegated")
	return c.Redirect(fmt.Sprintf("/cases/%d#decide", t.CaseID), fiber.StatusSeeOther)
}

// untilRFC3339 reads the form's end time, a browser's datetime-local
// ("2006-01-02T15:04", the officials' clock, China Standard Time), as the
// RFC 3339 time the API takes. Anything else is passed on as typed, for
// the API's check to refuse or accept.
func untilRFC3339(v string) string {
	v = strings.TrimSpace(v)
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05"} {
		if t, err := time.ParseInLocation(layout, v, cst); err == nil {
			return t.Format(time.RFC3339)
		}
	}
	return v
}
