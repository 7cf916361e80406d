package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"slices"
	"strconv"

	"github.com/assistflow/assistflow/process"
	"github.com/assistflow/assistflow/rbac"
	"github.com/assistflow/assistflow/store"
	"github.com/gofiber/fiber/v2"
)

// definitionTypes are the media types a definition document may be sent
// as; process.Parse tells JSON from YAML by the document itself.
var definitionTypes = []string{"application/json", "application/yaml", "application/x-yaml", "text/yaml"}

// readDefinition decodes the body as a draft. A draft may be invalid, but it
// must parse, and its key must be usable in a URL, since it names the draft
// from then on. The version is the store's to assign, so it is dropped.
func readDefinition(c *fiber.Ctx) (process.Definition, error) {
	mt, _, _ := mime.ParseMediaType(c.Get(fiber.HeaderContentType))
	if !slices.Contains(definitionTypes, mt) {
		return process.Definition{}, newProblem(fiber.StatusUnsupportedMediaType, "send Content-Type: application/json or application/yaml")
	}
	if len(c.Body()) > maxJSONBody {
		return process.Definition{}, newProblem(fiber.StatusRequestEntityTooLarge, "a definition may be at most 1 MB")
	}
	return parseDraft(c.Body())
}

// parseDraft is readDefinition's check of the document itself, shared
// with the draft editor page.
func parseDraft(body []byte) (process.Definition, error) {
	d, err := process.Parse(body)
	var perr *process.ParseError
	switch {
	case errors.As(err, &perr) && perr.Field != "":
		msg := perr.Message
		if perr.Line > 0 {
			msg = fmt.Sprintf("line %d: %s", perr.Line, msg)
		}
		return d, badField(perr.Field, msg)
	case err != nil:
		return d, newProblem(fiber.StatusBadRequest, err.Error())
	}
	for _, fe := range process.Validate(d) {
		if fe.Field == "key" {
			return d, invalid(process.ValidationError{fe})
		}
	}
	d.Version = 0
	return d, nil
}

// draftView shows a draft with its document.
func draftView(dr store.Draft) fiber.Map {
	return fiber.Map{"key": dr.Key, "updated_by": dr.UpdatedBy, "updated_at": dr.UpdatedAt, "definition": dr.Body}
}

func (s *Server) createDraft(c *fiber.Ctx) error {
	d, err := readDefinition(c)
	if err != nil {
		return err
	}
	dr, err := s.saveDraft(c, d, true)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(draftView(dr))
}

func (s *Server) replaceDraft(c *fiber.Ctx) error {
	d, err := readDefinition(c)
	if err != nil {
		return err
	}
	if key := c.Params("key"); d.Key != key {
		return badField("key", fmt.Sprintf("must be %q, the key in the path", key))
	}
	dr, err := s.saveDraft(c, d, false)
	if err != nil {
		return err
	}
	return c.JSON(draftView(dr))
}

// saveDraft creates or replaces a parsed draft and audits it; shared by
// the JSON handlers and the draft editor page.
func (s *Server) saveDraft(c *fiber.Ctx, d process.Definition, create bool) (store.Draft, error) {
	action, save := "definition.draft.replace", (*store.Store).ReplaceDraft
	if create {
		action, save = "definition.draft.create", (*store.Store).CreateDraft
	}
	var dr store.Draft
	err := s.audited(c, action, func(st *store.Store) (string, map[string]any, error) {
		var err error
		dr, err = save(st, c.UserContext(), d.Key, d.JSON(), &principal(c).User.ID)
		return "definition/" + d.Key, nil, err
	})
	return dr, err
}

// loadDraft returns the draft of the path's key, parsed.
func (s *Server) loadDraft(c *fiber.Ctx) (store.Draft, process.Definition, error) {
	dr, err := s.store.Draft(c.UserContext(), c.Params("key"))
	if err != nil {
		return dr, process.Definition{}, err
	}
	d, err := process.Parse(dr.Body)
	return dr, d, err
}

func (s *Server) getDraft(c *fiber.Ctx) error {
	dr, _, err := s.loadDraft(c)
	if err != nil {
		return err
	}
	return c.JSON(draftView(dr))
}

// validateDraft answers 200 either way: an invalid draft is the normal
// state of work in progress, not a failed request.
func (s *Server) validateDraft(c *fiber.Ctx) error {
	_, d, err := s.loadDraft(c)
	if err != nil {
		return err
	}
	errs := process.Validate(d)
	if errs == nil {
		errs = process.ValidationError{}
	}
	return c.JSON(fiber.Map{"valid": len(errs) == 0, "errors": errs})
}

// publishProblems is Validate plus one rule across versions: every version
// of a key serves the same program, since cases find a key by program.
func (s *Server) publishProblems(ctx context.Context, d process.Definition) (process.ValidationError, error) {
	errs := process.Validate(d)
	rows, err := s.store.DefinitionVersions(ctx)
	if err != nil {
		return nil, err
	}
	for _, r := range rows {
		if prev, err := process.Parse(r.Body); r.Key == d.Key && err == nil && prev.Program != d.Program {
			return append(errs, process.FieldError{Field: "program",
				Message: fmt.Sprintf("version %d is for %q; every version of %s serves one program", r.Version, prev.Program, d.Key)}), nil
		}
	}
	return errs, nil
}

// publishDraft freezes the draft as the next version, or asks a second
// administrator to (maker-checker). The draft stays, to edit further.
func (s *Server) publishDraft(c *fiber.Ctx) error {
	v, req, err := s.publish(c)
	switch {
	case err != nil:
		return err
	case req != nil:
		return c.Status(fiber.StatusAccepted).JSON(requestView{*req, req.Body})
	}
	return c.Status(fiber.StatusCreated).JSON(fiber.Map{"key": c.Params("key"), "version": v})
}

// publish freezes the draft of the path's :key and audits it, or records
// a request for it under maker-checker (req non-nil); shared by the JSON
// handler and the definition page.
func (s *Server) publish(c *fiber.Ctx) (int, *store.DefinitionRequest, error) {
	_, d, err := s.loadDraft(c)
	if err != nil {
		return 0, nil, err
	}
	if errs, err := s.publishProblems(c.UserContext(), d); err != nil {
		return 0, nil, err
	} else if len(errs) > 0 {
		return 0, nil, &problem{Problem{Status: fiber.StatusUnprocessableEntity, Detail: "the draft is not valid; nothing was published", Errors: errs}}
	}
	if s.cfg.MakerChecker {
		r, err := s.request(c, store.DefinitionRequest{Kind: store.RequestPublish, Key: d.Key, Body: d.JSON()})
		return 0, &r, err
	}
	var v int
	err = s.audited(c, "definition.publish", func(st *store.Store) (string, map[string]any, error) {
		var err error
		v, err = st.PublishDefinition(c.UserContext(), d.Key, d.JSON(), &principal(c).User.ID)
		return "definition/" + d.Key, map[string]any{"version": v}, err
	})
	if err != nil {
		return 0, nil, err
	}
	return v, nil, nil
}

// versionParam reads the :n of a route; anything but a positive number is
// a version that does not exist.
func versionParam(c *fiber.Ctx) (int, error) {
	n, err := strconv.Atoi(c.Params("n"))
	if err != nil || n < 1 {
		return 0, store.ErrNotFound
	}
	return n, nil
}

// storedVersion loads and parses one published version.
func (s *Server) storedVersion(c *fiber.Ctx) (store.DefinitionRow, process.Definition, error) {
	n, err := versionParam(c)
	if err != nil {
		return store.DefinitionRow{}, process.Definition{}, err
	}
	row, err := s.store.DefinitionVersion(c.UserContext(), c.Params("key"), n)
	if err != nil {
		return row, process.Definition{}, err
	}
	d, err := process.Parse(row.Body)
	d.Version = row.Version
	return row, d, err
}

func (s *Server) getVersion(c *fiber.Ctx) error {
	row, d, err := s.storedVersion(c)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"key": row.Key, "version": row.Version, "status": row.Status,
		"created_by": row.CreatedBy, "created_at": row.CreatedAt, "definition": json.RawMessage(d.JSON())})
}

// versionView is one version in the list: "active" when some region's new
// cases start on it, "published" otherwise.
type versionView struct {
	store.DefinitionRow
	ActiveIn  []string `json:"active_in"`
	OpenCases int64    `json:"open_cases"`
}

// definitionView is one key with its versions and its draft, if any.
type definitionView struct {
	Key      string        `json:"key"`
	Program  string        `json:"program"`
	Name     process.Text  `json:"name"`
	Draft    *store.Draft  `json:"draft"`
	Versions []versionView `json:"versions"`
}

// listDefinitions counts open cases only in the caller's own regions: a
// county administrator learns about its own caseload, not other counties'.
func (s *Server) listDefinitions(c *fiber.Ctx) error {
	items, err := s.definitionsOf(c)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"items": items})
}

// definitionsOf gathers every key with its versions, activations, draft
// and the caller's open cases; shared by the JSON handler and the pages.
func (s *Server) definitionsOf(c *fiber.Ctx) ([]*definitionView, error) {
	ctx := c.UserContext()
	rows, err := s.store.DefinitionVersions(ctx)
	if err != nil {
		return nil, err
	}
	drafts, err := s.store.Drafts(ctx)
	if err != nil {
		return nil, err
	}
	acts, err := s.store.Activations(ctx, "")
	if err != nil {
		return nil, err
	}
	counts, err := s.store.OpenCaseCounts(ctx, s.regionsFor(principal(c), rbac.ObjDefinition, rbac.ActRead))
	if err != nil {
		return nil, err
	}
	return definitionViews(rows, drafts, acts, counts), nil
}

// definitionViews groups versions, drafts and activations by key, sorted by
// key. Each key is named by its latest version (or its draft, before one).
func definitionViews(rows []store.DefinitionRow, drafts []store.Draft, acts []store.Activation,
	counts map[store.DefinitionRef]int64) []*definitionView {
	byKey := map[string]*definitionView{}
	var keys []string
	entry := func(key string, body []byte) *definitionView {
		v := byKey[key]
		if v == nil {
			v = &definitionView{Key: key, Versions: []versionView{}}
			byKey[key], keys = v, append(keys, key)
		}
		_ = json.Unmarshal(body, &struct {
			Program *string       `json:"program"`
			Name    *process.Text `json:"name"`
		}{&v.Program, &v.Name})
		return v
	}
	for _, r := range rows {
		v := versionView{DefinitionRow: r, ActiveIn: []string{}, OpenCases: counts[store.DefinitionRef{Key: r.Key, Version: r.Version}]}
		for _, a := range acts {
			if a.Key == r.Key && a.Version == r.Version {
				v.ActiveIn = append(v.ActiveIn, a.RegionCode)
			}
		}
		if len(v.ActiveIn) > 0 {
			v.Status = "active"
		}
		e := entry(r.Key, r.Body)
		e.Versions = append(e.Versions, v)
	}
	for _, d := range drafts {
		if byKey[d.Key] == nil {
			entry(d.Key, d.Body)
		}
		byKey[d.Key].Draft = &d
	}
	slices.Sort(keys)
	items := make([]*definitionView, 0, len(keys))
	for _, k := range keys {
		items = append(items, byKey[k])
	}
	return items
}
