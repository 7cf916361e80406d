package api

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/assistflow/assistflow/process"
	"github.com/assistflow/assistflow/rbac"
	"github.com/assistflow/assistflow/store"
	"github.com/gofiber/fiber/v2"
)

func mustJSON(v any) store.JSON {
	if v == nil {
		return store.JSON("{}")
	}
	b, err := json.Marshal(v)
	if err != nil {
		return store.JSON("{}")
	}
	return b
}

func (s *Server) listPolicies(c *fiber.Ctx) error {
	ps, err := s.store.Policies(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"items": ps})
}

func (s *Server) decodePolicy(c *fiber.Ctx) (store.Policy, error) {
	var p store.Policy
	if err := decodeJSON(c, &p); err != nil {
		return p, err
	}
	return p, s.checkPolicy(c, p)
}

// checkPolicy validates a policy change and that the caller may make it.
func (s *Server) checkPolicy(c *fiber.Ctx, p store.Policy) error {
	var errs process.ValidationError
	if !slices.Contains(process.Roles, p.Role) {
		errs = append(errs, process.FieldError{Field: "role", Message: fmt.Sprintf("unknown role %q", p.Role)})
	}
	if p.Object == "" {
		errs = append(errs, process.FieldError{Field: "object", Message: "is required"})
	}
	if p.Action == "" {
		errs = append(errs, process.FieldError{Field: "action", Message: "is required"})
	}
	if len(errs) > 0 {
		return invalid(errs)
	}
	if !s.policyAdmin(principal(c)) {
		return newProblem(fiber.StatusForbidden, errNotRoot.Error())
	}
	return nil
}

func (s *Server) addPolicy(c *fiber.Ctx) error {
	p, err := s.decodePolicy(c)
	if err != nil {
		return err
	}
	if err := s.allow(c, p); err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(p)
}

// allow adds a checked policy and audits it (if it was new); shared by
// the JSON handler and the policies page.
// errUnchanged ends an audited change that changed nothing.
var errUnchanged = errors.New("unchanged")

func (s *Server) allow(c *fiber.Ctx, p store.Policy) error {
	var v int64
	err := s.audited(c, "policy.add", func(st *store.Store) (string, map[string]any, error) {
		var err error
		v, err = st.PutPolicies(c.UserContext(), []store.Policy{p})
		if err == nil && v == 0 {
			err = errUnchanged // nothing changed: nothing to audit
		}
		return "policy", map[string]any{"role": p.Role, "object": p.Object, "action": p.Action}, err
	})
	if errors.Is(err, errUnchanged) {
		return nil
	}
	if err != nil {
		return err
	}
	return s.cfg.Authz.PolicyChanged(c.UserContext(), p, true, v)
}

func (s *Server) removePolicy(c *fiber.Ctx) error {
	p, err := s.decodePolicy(c)
	if err != nil {
		return err
	}
	if err := s.disallow(c, p); err != nil {
		return err
	}
	return c.JSON(fiber.Map{"removed": p})
}

// disallow removes a checked policy and audits it; shared by the JSON
// handler and the policies page.
func (s *Server) disallow(c *fiber.Ctx, p store.Policy) error {
	var v int64
	err := s.audited(c, "policy.remove", func(st *store.Store) (string, map[string]any, error) {
		var err error
		v, err = st.RemovePolicy(c.UserContext(), p)
		return "policy", map[string]any{"role": p.Role, "object": p.Object, "action": p.Action}, err
	})
	if err != nil {
		return err
	}
	return s.cfg.Authz.PolicyChanged(c.UserContext(), p, false, v)
}

type regionNode struct {
	store.Region
	Children []*regionNode `json:"children,omitempty"`
}

// regionTree answers the administrative tree as nested nodes.
func (s *Server) regionTree(c *fiber.Ctx) error {
	roots, err := s.regionForest(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"items": roots})
}

// regionForest builds the administrative tree from the flat region list.
func (s *Server) regionForest(ctx context.Context) ([]*regionNode, error) {
	rs, err := s.store.Regions(ctx)
	if err != nil {
		return nil, err
	}
	nodes := map[string]*regionNode{}
	var roots []*regionNode
	for _, r := range rs { // ordered by path: parents come first
		n := &regionNode{Region: r}
		nodes[r.Code] = n
		if r.ParentCode != nil && nodes[*r.ParentCode] != nil {
			nodes[*r.ParentCode].Children = append(nodes[*r.ParentCode].Children, n)
		} else {
			roots = append(roots, n)
		}
	}
	return roots, nil
}

var codeLengthOf = map[string]int{"province": 6, "city": 6, "county": 6, "township": 9, "village": 12}

// importRegions reads CSV rows "code,name,name_en,level,parent" (a header
// row is allowed) and adds them under regions the admin manages, all or
// nothing.
func (s *Server) importRegions(c *fiber.Ctx) error {
	n, err := s.importCSV(c, c.Body())
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"imported": n})
}

// importCSV checks and imports region rows, all or nothing, and audits
// the import; shared by the JSON handler and the regions page.
func (s *Server) importCSV(c *fiber.Ctx, body []byte) (int, error) {
	rows, err := csv.NewReader(strings.NewReader(string(body))).ReadAll()
	if err != nil && err != io.EOF {
		return 0, newProblem(fiber.StatusBadRequest, "malformed CSV: "+err.Error())
	}
	if len(rows) > 0 && rows[0][0] == "code" {
		rows = rows[1:]
	}
	if len(rows) == 0 || len(rows) > 100000 {
		return 0, badField("body", "1 to 100,000 rows of code,name,name_en,level,parent")
	}
	known := map[string]string{} // code → path, for parents within the file
	var in []store.RegionInput
	var errs process.ValidationError
	for i, row := range rows {
		field := fmt.Sprintf("rows[%d]", i)
		if len(row) != 5 {
			errs = append(errs, process.FieldError{Field: field, Message: "want 5 columns: code,name,name_en,level,parent"})
			continue
		}
		r := store.RegionInput{Code: row[0], Name: row[1], NameEn: row[2], Level: row[3], Parent: row[4]}
		if n, ok := codeLengthOf[r.Level]; !ok || len(r.Code) != n || strings.Trim(r.Code, "0123456789") != "" {
			errs = append(errs, process.FieldError{Field: field + ".code", Message: fmt.Sprintf("a %s code is %d digits", r.Level, codeLengthOf[r.Level])})
		}
		if r.Name == "" || utf8Len(r.Name) > 50 {
			errs = append(errs, process.FieldError{Field: field + ".name", Message: "1 to 50 characters"})
		}
		parentPath, ok := known[r.Parent]
		if !ok {
			if pr, err := s.store.Region(c.UserContext(), r.Parent); err == nil {
				parentPath = pr.Path
			} else {
				errs = append(errs, process.FieldError{Field: field + ".parent", Message: fmt.Sprintf("unknown parent %q", r.Parent)})
				continue
			}
		}
		if !s.manages(principal(c), parentPath, rbac.ObjRegion) {
			errs = append(errs, process.FieldError{Field: field + ".parent", Message: "outside the regions you administer"})
		}
		known[r.Code] = parentPath + r.Code + "/"
		in = append(in, r)
	}
	if len(errs) > 0 {
		return 0, invalid(errs)
	}
	err = s.audited(c, "region.import", func(st *store.Store) (string, map[string]any, error) {
		return "regions", map[string]any{"rows": len(in)}, st.PutRegions(c.UserContext(), in)
	})
	if err != nil {
		return 0, err
	}
	return len(in), nil
}

func utf8Len(s string) int { return len([]rune(s)) }
