package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strconv"

	"github.com/assistflow/assistflow/process"
	"github.com/assistflow/assistflow/store"
	"github.com/gofiber/fiber/v2"
)

// fieldChange is one field whose value differs, by its path in the
// document ("sla.working_days", "branches[county].role"); a nil side means
// the field is unset there.
type fieldChange struct {
	Field string `json:"field"`
	Old   any    `json:"old"`
	New   any    `json:"new"`
}

// stageChange is one stage that was added, removed or changed. Moved
// stages are changes of the "position" field: the stage's rank among the
// stages both versions share, so that an insertion does not mark every
// later stage as moved.
type stageChange struct {
	ID     string        `json:"id"`
	Name   string        `json:"name"`
	Change string        `json:"change"`
	Fields []fieldChange `json:"fields,omitempty"`
}

// definitionDiff is what an administrator reviews before publishing or
// activating: the definition's own fields, then stage by stage.
type definitionDiff struct {
	Key        string        `json:"key"`
	From       string        `json:"from"`
	To         string        `json:"to"`
	Definition []fieldChange `json:"definition"`
	Stages     []stageChange `json:"stages"`
}

// diffDefinition compares two versions of a key; either side may be
// "draft". By default it compares the latest version with the draft, or,
// without a draft, the latest version with the one before.
func (s *Server) diffDefinition(c *fiber.Ctx) error {
	d, err := s.diffOf(c, c.Params("key"), c.Query("from"), c.Query("to"))
	if err != nil {
		return err
	}
	return c.JSON(d)
}

// diffOf compares from and to of key, with diffDefinition's defaults for
// empty refs; shared by the JSON handler and the definition page.
func (s *Server) diffOf(c *fiber.Ctx, key, from, to string) (definitionDiff, error) {
	rows, err := s.store.DefinitionVersions(c.UserContext())
	if err != nil {
		return definitionDiff{}, err
	}
	rows = slices.DeleteFunc(rows, func(r store.DefinitionRow) bool { return r.Key != key })
	_, draftErr := s.store.Draft(c.UserContext(), key)
	if len(rows) == 0 && draftErr != nil {
		return definitionDiff{}, draftErr
	}
	latest := 0
	if len(rows) > 0 {
		latest = rows[len(rows)-1].Version
	}
	if to == "" {
		to = strconv.Itoa(latest)
		if draftErr == nil {
			to = "draft"
		}
	}
	if from == "" {
		from = strconv.Itoa(latest)
		if n, err := strconv.Atoi(to); err == nil {
			from = strconv.Itoa(n - 1)
		}
	}
	old, err := s.definitionAt(c, key, "from", from)
	if err != nil {
		return definitionDiff{}, err
	}
	cur, err := s.definitionAt(c, key, "to", to)
	if err != nil {
		return definitionDiff{}, err
	}
	return diffDefinitions(key, from, to, old, cur), nil
}

// definitionAt loads the draft or a version of key; a ref that names
// nothing is a problem with the query field.
func (s *Server) definitionAt(c *fiber.Ctx, key, field, ref string) (process.Definition, error) {
	var body []byte
	if ref == "draft" {
		dr, err := s.store.Draft(c.UserContext(), key)
		if err != nil {
			return process.Definition{}, badField(field, "there is no draft of "+key)
		}
		body = dr.Body
	} else {
		n, err := strconv.Atoi(ref)
		row, rerr := s.store.DefinitionVersion(c.UserContext(), key, n)
		if err != nil || rerr != nil {
			if rerr != nil && !errors.Is(rerr, store.ErrNotFound) {
				return process.Definition{}, rerr
			}
			return process.Definition{}, badField(field, fmt.Sprintf("want a version number of %s or \"draft\", not %q", key, ref))
		}
		body = row.Body
	}
	return process.Parse(body)
}

// diffDefinitions compares old and cur field by field.
func diffDefinitions(key, from, to string, old, cur process.Definition) definitionDiff {
	d := definitionDiff{Key: key, From: from, To: to, Stages: []stageChange{}}
	oh, ch := old, cur
	oh.Stages, ch.Stages, oh.Version, ch.Version = nil, nil, 0, 0
	d.Definition = fieldChanges("", flat(oh, "stages"), flat(ch, "stages"))
	oldByID, common := map[string]process.Stage{}, map[string]bool{}
	for _, st := range old.Stages {
		oldByID[st.ID] = st
	}
	for _, st := range cur.Stages {
		if _, ok := oldByID[st.ID]; ok {
			common[st.ID] = true
		}
	}
	oldRank, curRank := ranks(old.Stages, common), ranks(cur.Stages, common)
	for _, st := range cur.Stages {
		prev, ok := oldByID[st.ID]
		if !ok {
			d.Stages = append(d.Stages, stageChange{ID: st.ID, Name: st.Name.String(), Change: "added"})
			continue
		}
		fields := stageFields("", prev, st)
		if oldRank[st.ID] != curRank[st.ID] {
			fields = append(fields, fieldChange{Field: "position", Old: oldRank[st.ID], New: curRank[st.ID]})
		}
		if len(fields) > 0 {
			d.Stages = append(d.Stages, stageChange{ID: st.ID, Name: st.Name.String(), Change: "changed", Fields: fields})
		}
	}
	for _, st := range old.Stages {
		if !common[st.ID] {
			d.Stages = append(d.Stages, stageChange{ID: st.ID, Name: st.Name.String(), Change: "removed"})
		}
	}
	if d.Definition == nil {
		d.Definition = []fieldChange{}
	}
	return d
}

// ranks numbers the stages in common from 1, in order.
func ranks(stages []process.Stage, common map[string]bool) map[string]int {
	out, n := map[string]int{}, 0
	for _, st := range stages {
		if common[st.ID] {
			n++
			out[st.ID] = n
		}
	}
	return out
}

// stageFields compares two versions of one stage; parallel branches are
// matched by id like stages, so a changed branch shows which field changed.
func stageFields(prefix string, a, b process.Stage) []fieldChange {
	out := fieldChanges(prefix, flat(a, "branches"), flat(b, "branches"))
	seen := map[string]bool{}
	for _, nb := range b.Branches {
		p := prefix + "branches[" + nb.ID + "]"
		seen[nb.ID] = true
		if i := slices.IndexFunc(a.Branches, func(x process.Stage) bool { return x.ID == nb.ID }); i >= 0 {
			out = append(out, stageFields(p+".", a.Branches[i], nb)...)
		} else {
			out = append(out, fieldChange{Field: p, New: nb})
		}
	}
	for _, ob := range a.Branches {
		if !seen[ob.ID] {
			out = append(out, fieldChange{Field: prefix + "branches[" + ob.ID + "]", Old: ob})
		}
	}
	return out
}

// flat turns v's JSON form into dotted paths → values, leaving out the
// top-level field skip; lists stay whole values.
func flat(v any, skip string) map[string]any {
	b, _ := json.Marshal(v)
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	delete(m, skip)
	out := map[string]any{}
	var walk func(prefix string, m map[string]any)
	walk = func(prefix string, m map[string]any) {
		for k, x := range m {
			if sub, ok := x.(map[string]any); ok {
				walk(prefix+k+".", sub)
			} else {
				out[prefix+k] = x
			}
		}
	}
	walk("", m)
	return out
}

// fieldChanges lists the paths whose values differ, sorted by path.
func fieldChanges(prefix string, a, b map[string]any) []fieldChange {
	paths := map[string]bool{}
	for k := range a {
		paths[k] = true
	}
	for k := range b {
		paths[k] = true
	}
	var out []fieldChange
	for k := range paths {
		if !reflect.DeepEqual(a[k], b[k]) {
			out = append(out, fieldChange{Field: prefix + k, Old: a[k], New: b[k]})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Field < out[j].Field })
	return out
}
