package api

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/assistflow/assistflow/process"
	"github.com/assistflow/assistflow/store"
	"github.com/stretchr/testify/require"
)

const defs = "/api/v1/admin/definitions"

// newDefinitionServer is newTestServer with the built-in chains published
// as version 1 everywhere, as cmd does on start.
func newDefinitionServer(t *testing.T, makerChecker bool) *Server {
	t.Helper()
	s := newTestServer(t, func(c *Config) { c.MakerChecker = makerChecker })
	for _, d := range process.Builtins() {
		require.NoError(t, s.store.PublishBuiltin(context.Background(), d.Key, d.JSON()))
	}
	return s
}

// dibaoV2 is the built-in dibao chain with a village appraisal added before
// the notice and the notice lengthened from P7D to P10D.
func dibaoV2(t *testing.T) process.Definition {
	t.Helper()
	for _, d := range process.Builtins() {
		if d.Key == "dibao-application" {
			i := d.StageIndex("notice")
			d.Stages[i].Duration = "P10D"
			added := process.Stage{ID: "village_appraisal", Kind: process.KindReview, Name: process.Text{Zh: "村民代表评议"},
				Role: process.RoleVillageCommittee, Level: "village", Actions: []string{"approve", "reject"}}
			d.Stages = append(d.Stages[:i], append([]process.Stage{added}, d.Stages[i:]...)...)
			return d
		}
	}
	t.Fatal("no built-in dibao-application")
	return process.Definition{}
}

func fields(r response) []string {
	var out []string
	errs, _ := r.body["errors"].([]any)
	for _, e := range errs {
		out = append(out, e.(map[string]any)["field"].(string))
	}
	return out
}

const yamlDraft = `key: pilot-chain
program: linshi
name: {zh: 临时救助试点}
stages:
  - id: review
    kind: review
    name: {zh: 乡镇审批}
    role: township_approver
    level: township
    actions: [approve, reject]
`

func TestDraftCreateReplaceGet(t *testing.T) {
	s := newDefinitionServer(t, false)
	admin := login(t, s, "admin")
	for _, tc := range []struct {
		name, method, path, ctype, body string
		want                            int
		field                           string
	}{
		{"create from YAML", "POST", defs, "application/yaml", yamlDraft, 201, ""},
		{"create twice", "POST", defs, "application/yaml", yamlDraft, 409, ""},
		{"replace", "PUT", defs + "/pilot-chain/draft", "application/yaml", strings.Replace(yamlDraft, "临时救助试点", "临时救助试点二", 1), 200, ""},
		{"replace under another key", "PUT", defs + "/other/draft", "application/yaml", yamlDraft, 422, "key"},
		{"replace without a draft", "PUT", defs + "/dibao-application/draft", "application/json", string(dibaoV2(t).JSON()), 404, ""},
		{"unknown field", "POST", defs, "application/yaml", strings.Replace(yamlDraft, "role:", "rol:", 1), 422, "stages[0].rol"},
		{"bad key", "POST", defs, "application/yaml", strings.Replace(yamlDraft, "pilot-chain", "Pilot Chain", 1), 422, "key"},
		{"not a document", "POST", defs, "application/json", `{"key":`, 400, ""},
		{"wrong media type", "POST", defs, "text/plain", yamlDraft, 415, ""},
		{"invalid but parses", "POST", defs, "application/yaml", strings.Replace(yamlDraft, "pilot-chain", "pilot-two", 1) + "  - id: x\n    kind: notice\n", 201, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := do(t, s, tc.method, tc.path, admin, tc.ctype, tc.body)
			require.Equal(t, tc.want, r.status, r.raw)
			if tc.field != "" {
				require.Contains(t, fields(r), tc.field)
			}
		})
	}
	r := do(t, s, "GET", defs+"/pilot-chain/draft", admin, "", "")
	require.Equal(t, 200, r.status, r.raw)
	require.Equal(t, "临时救助试点二", r.body["definition"].(map[string]any)["name"].(map[string]any)["zh"])
	require.Equal(t, 404, do(t, s, "GET", defs+"/nothing/draft", admin, "", "").status)
}

func TestValidateListsErrorsWithPaths(t *testing.T) {
	s := newDefinitionServer(t, false)
	admin := login(t, s, "admin")
	bad := strings.NewReplacer("township_approver", "vilage_committee", "actions: [approve, reject]", "actions: [reject]").Replace(yamlDraft)
	require.Equal(t, 201, do(t, s, "POST", defs, admin, "application/yaml", bad).status)
	r := do(t, s, "POST", defs+"/pilot-chain/validate", admin, "", "")
	require.Equal(t, 200, r.status, r.raw)
	require.Equal(t, false, r.body["valid"])
	require.Equal(t, []string{"stages[0].role", "stages[0].actions"}, fields(r))

	require.Equal(t, 200, do(t, s, "PUT", defs+"/pilot-chain/draft", admin, "application/yaml", yamlDraft).status)
	r = do(t, s, "POST", defs+"/pilot-chain/validate", admin, "", "")
	require.Equal(t, true, r.body["valid"])
	require.Empty(t, r.body["errors"])
}

func TestPublishFreezesAValidDraft(t *testing.T) {
	ctx := context.Background()
	s := newDefinitionServer(t, false)
	admin := login(t, s, "admin")
	v2 := dibaoV2(t)
	broken := v2
	broken.Stages = append([]process.Stage{{ID: "intake", Kind: "notice"}}, v2.Stages[1:]...)
	require.Equal(t, 201, do(t, s, "POST", defs, admin, "application/json", string(broken.JSON())).status)

	r := do(t, s, "POST", defs+"/dibao-application/publish", admin, "", "")
	require.Equal(t, http.StatusUnprocessableEntity, r.status, r.raw)
	require.Equal(t, "application/problem+json", r.ctype)
	require.Contains(t, fields(r), "stages[0].duration")
	_, err := s.store.DefinitionVersion(ctx, "dibao-application", 2)
	require.ErrorIs(t, err, store.ErrNotFound, "an invalid draft publishes nothing")

	require.Equal(t, 200, do(t, s, "PUT", defs+"/dibao-application/draft", admin, "application/json", string(v2.JSON())).status)
	r = do(t, s, "POST", defs+"/dibao-application/publish", admin, "", "")
	require.Equal(t, 201, r.status, r.raw)
	require.EqualValues(t, 2, r.body["version"])

	changed := v2
	changed.Name.Zh = "改过的名字"
	require.Equal(t, 200, do(t, s, "PUT", defs+"/dibao-application/draft", admin, "application/json", string(changed.JSON())).status)
	r = do(t, s, "GET", defs+"/dibao-application/versions/2", admin, "", "")
	require.Equal(t, 200, r.status, r.raw)
	require.Equal(t, "最低生活保障申请", r.body["definition"].(map[string]any)["name"].(map[string]any)["zh"], "a published version never changes")
	for _, n := range []string{"3", "0", "two"} {
		require.Equal(t, 404, do(t, s, "GET", defs+"/dibao-application/versions/"+n, admin, "", "").status, n)
	}

	changed.Program = "linshi"
	require.Equal(t, 200, do(t, s, "PUT", defs+"/dibao-application/draft", admin, "application/json", string(changed.JSON())).status)
	r = do(t, s, "POST", defs+"/dibao-application/publish", admin, "", "")
	require.Equal(t, 422, r.status)
	require.Equal(t, []string{"program"}, fields(r))
}

func TestDiffShowsStageChanges(t *testing.T) {
	s := newDefinitionServer(t, false)
	admin := login(t, s, "admin")
	require.Equal(t, 201, do(t, s, "POST", defs, admin, "application/json", string(dibaoV2(t).JSON())).status)
	require.Equal(t, 201, do(t, s, "POST", defs+"/dibao-application/publish", admin, "", "").status)

	r := do(t, s, "GET", defs+"/dibao-application/diff?from=1&to=2", admin, "", "")
	require.Equal(t, 200, r.status, r.raw)
	require.Equal(t, []any{}, r.body["definition"])
	require.ElementsMatch(t, []any{
		map[string]any{"id": "village_appraisal", "name": "村民代表评议", "change": "added"},
		map[string]any{"id": "notice", "name": "村级公示", "change": "changed",
			"fields": []any{map[string]any{"field": "duration", "old": "P7D", "new": "P10D"}}},
	}, r.body["stages"])

	r = do(t, s, "GET", defs+"/dibao-application/diff?from=2&to=1", admin, "", "")
	require.Equal(t, "removed", r.body["stages"].([]any)[1].(map[string]any)["change"])
	r = do(t, s, "GET", defs+"/dibao-application/diff?from=9&to=draft", admin, "", "")
	require.Equal(t, 422, r.status)
	require.Equal(t, []string{"from"}, fields(r))
}

func TestActivateIsScopedToTheAdminsRegions(t *testing.T) {
	s := newDefinitionServer(t, false)
	admin := login(t, s, "admin")
	require.Equal(t, 201, do(t, s, "POST", defs, admin, "application/json", string(dibaoV2(t).JSON())).status)
	require.Equal(t, 201, do(t, s, "POST", defs+"/dibao-application/publish", admin, "", "").status)

	for _, tc := range []struct {
		name, body string
		want       int
		field      string
	}{
		{"own county", `{"version":2,"region":"430721"}`, 200, ""},
		{"another county", `{"version":2,"region":"430722"}`, 422, "region"},
		{"everywhere", `{"version":2,"region":""}`, 422, "region"},
		{"unknown version", `{"version":7,"region":"430721"}`, 422, "version"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := do(t, s, "POST", defs+"/dibao-application/activate", admin, "application/json", tc.body)
			require.Equal(t, tc.want, r.status, r.raw)
			if tc.field != "" {
				require.Equal(t, []string{tc.field}, fields(r))
			}
		})
	}
	requireActive(t, s, "dibao-application", store.DemoVillage, 2)
	requireActive(t, s, "dibao-application", "430722100201", 1)

	ctx := context.Background()
	_, err := s.store.CreateUser(ctx, store.NewUser{Username: "province_admin", DisplayName: "省管理员", Password: "demo",
		Grants: []store.NewGrant{{Role: "admin", Region: "430000"}}})
	require.NoError(t, err)
	require.NoError(t, s.cfg.Authz.Refresh(ctx))
	r := do(t, s, "POST", defs+"/dibao-application/activate", login(t, s, "province_admin"), "application/json", `{"version":2,"region":""}`)
	require.Equal(t, 200, r.status, "a top-level admin activates everywhere: %s", r.raw)
	requireActive(t, s, "dibao-application", "430722100201", 2)

	r = do(t, s, "GET", defs+"/dibao-application/activations", admin, "", "")
	require.Equal(t, 200, r.status)
	require.Len(t, r.body["items"], 2)
	require.Equal(t, []string{"definition.draft.create", "definition.publish", "definition.activate", "definition.activate"},
		audited(t, s, "definition/dibao-application"), "refused activations are not audited")
}

func requireActive(t *testing.T, s *Server, key, region string, want int) {
	t.Helper()
	ctx := context.Background()
	reg, err := s.store.Region(ctx, region)
	require.NoError(t, err)
	row, err := s.store.ActiveDefinition(ctx, key, reg.Path)
	require.NoError(t, err)
	require.Equal(t, want, row.Version, "active version in %s", region)
}

func TestMakerChecker(t *testing.T) {
	ctx := context.Background()
	s := newDefinitionServer(t, true)
	for user, county := range map[string]string{"admin2": store.DemoCounty, "admin3": "430722"} {
		_, err := s.store.CreateUser(ctx, store.NewUser{Username: user, DisplayName: user, Password: "demo",
			Grants: []store.NewGrant{{Role: "admin", Region: county}}})
		require.NoError(t, err)
	}
	require.NoError(t, s.cfg.Authz.Refresh(ctx))
	maker, checker, outsider := login(t, s, "admin"), login(t, s, "admin2"), login(t, s, "admin3")
	require.Equal(t, 201, do(t, s, "POST", defs, maker, "application/json", string(dibaoV2(t).JSON())).status)

	r := do(t, s, "POST", defs+"/dibao-application/publish", maker, "", "")
	require.Equal(t, http.StatusAccepted, r.status, r.raw)
	require.Equal(t, "publish", r.body["kind"])
	pub := fmt.Sprintf("%s/requests/%v/approve", defs, r.body["id"])
	_, err := s.store.DefinitionVersion(ctx, "dibao-application", 2)
	require.ErrorIs(t, err, store.ErrNotFound, "a request changes nothing yet")

	r = do(t, s, "POST", pub, maker, "", "")
	require.Equal(t, http.StatusForbidden, r.status)
	require.Contains(t, r.body["detail"], "second administrator")

	list := do(t, s, "GET", defs+"/requests", checker, "", "")
	require.Len(t, list.body["items"], 1)
	r = do(t, s, "POST", pub, checker, "", "")
	require.Equal(t, 200, r.status, r.raw)
	require.EqualValues(t, 2, r.body["version"])
	require.Equal(t, http.StatusConflict, do(t, s, "POST", pub, checker, "", "").status, "applied once")

	r = do(t, s, "POST", defs+"/dibao-application/activate", maker, "application/json", `{"version":2,"region":"430721"}`)
	require.Equal(t, http.StatusAccepted, r.status, r.raw)
	requireActive(t, s, "dibao-application", store.DemoVillage, 1)
	act := fmt.Sprintf("%s/requests/%v/approve", defs, r.body["id"])
	require.Empty(t, do(t, s, "GET", defs+"/requests", outsider, "", "").body["items"], "another county's activation is not shown")
	require.Equal(t, http.StatusNotFound, do(t, s, "POST", act, outsider, "", "").status, "nor approved, nor even hinted at, from there")
	require.Equal(t, 200, do(t, s, "POST", act, checker, "", "").status)
	requireActive(t, s, "dibao-application", store.DemoVillage, 2)
	require.Empty(t, do(t, s, "GET", defs+"/requests", checker, "", "").body["items"])
	require.Equal(t, []string{"definition.draft.create", "definition.request", "definition.request.approve",
		"definition.request", "definition.request.approve"}, audited(t, s, "definition/dibao-application"))
}

// audited lists the audit actions recorded on object, oldest first.
func audited(t *testing.T, s *Server, object string) []string {
	t.Helper()
	rows, err := s.store.SQL().QueryContext(context.Background(), `SELECT action FROM audit_events WHERE object = ? ORDER BY id`, object)
	require.NoError(t, err)
	defer rows.Close()
	var out []string
	for rows.Next() {
		var a string
		require.NoError(t, rows.Scan(&a))
		out = append(out, a)
	}
	require.NoError(t, rows.Err())
	return out
}

func TestListCountsOpenCases(t *testing.T) {
	ctx := context.Background()
	s := newDefinitionServer(t, false)
	applicant, err := s.store.UserByUsername(ctx, "applicant")
	require.NoError(t, err)
	for i, status := range []string{store.StatusInReview, store.StatusApproved} {
		c, _, err := s.store.CreateCase(ctx, store.NewCase{Program: "dibao", RegionCode: store.DemoVillage, Channel: "online",
			ApplicantID: applicant.ID, SubmittedBy: applicant.ID, IdempotencyKey: fmt.Sprint(i), DefinitionKey: "dibao-application",
			DefinitionVersion: 1, HeadName: "王建国", HouseholdSize: 1, Household: map[string]any{}})
		require.NoError(t, err)
		require.NoError(t, s.store.Project(ctx, store.Projection{CaseID: c.ID, Seq: 1, Status: status}))
	}
	r := do(t, s, "GET", defs, login(t, s, "admin"), "", "")
	require.Equal(t, 200, r.status, r.raw)
	for _, it := range r.body["items"].([]any) {
		d := it.(map[string]any)
		if d["key"] == "dibao-application" {
			v1 := d["versions"].([]any)[0].(map[string]any)
			require.EqualValues(t, 1, v1["open_cases"])
			require.Equal(t, "active", v1["status"])
			require.Equal(t, "最低生活保障申请", d["name"].(map[string]any)["zh"])
			return
		}
	}
	t.Fatal("dibao-application is not listed")
}

func TestDiagramIsWellFormedSVG(t *testing.T) {
	s := newDefinitionServer(t, false)
	admin := login(t, s, "admin")
	tricky := dibaoV2(t)
	tricky.Stages[0].Name.Zh = `受理 <审查> & "核对"`
	tricky.Stages[0].When = `household.size < 3 && channel != "x"`
	tricky.Stages = append(tricky.Stages, process.Stage{ID: "countersign", Kind: process.KindParallel, Name: process.Text{Zh: "县级会签"},
		Branches: []process.Stage{
			{ID: "civil", Kind: "review", Name: process.Text{Zh: "民政会签"}, Role: "county_checker", Level: "county", Actions: []string{"approve", "return"}},
			{ID: "finance", Kind: "review", Name: process.Text{Zh: "财政会签"}, Role: "county_approver", Level: "county", Actions: []string{"approve", "reject"}}}})
	require.Equal(t, 201, do(t, s, "POST", defs, admin, "application/json", string(tricky.JSON())).status)
	require.Equal(t, 201, do(t, s, "POST", defs+"/dibao-application/publish", admin, "", "").status)

	for _, d := range append(process.Builtins(), tricky) {
		v := map[bool]int{true: 2, false: 1}[d.Key == tricky.Key && d.Stages[0].When != ""]
		r := do(t, s, "GET", fmt.Sprintf("%s/%s/versions/%d/diagram.svg", defs, d.Key, v), admin, "", "")
		require.Equal(t, 200, r.status, r.raw)
		require.True(t, strings.HasPrefix(r.ctype, "image/svg+xml"), r.ctype)
		text := svgText(t, r.raw)
		for _, st := range d.Stages {
			require.Contains(t, text, st.Name.Zh, "%s v%d", d.Key, v)
			for _, b := range st.Branches {
				require.Contains(t, text, b.Name.Zh)
			}
		}
	}
}

// svgText decodes the whole document as XML and returns its character data.
func svgText(t *testing.T, doc string) string {
	t.Helper()
	dec := xml.NewDecoder(strings.NewReader(doc))
	var text strings.Builder
	root := ""
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		require.NoError(t, err)
		switch x := tok.(type) {
		case xml.StartElement:
			if root == "" {
				root = x.Name.Local
			}
		case xml.CharData:
			text.Write(x)
			text.WriteByte('\n')
		}
	}
	require.Equal(t, "svg", root)
	return text.String()
}

func TestDefinitionRoutesNeedTheirAccess(t *testing.T) {
	s := newDefinitionServer(t, false)
	admin := login(t, s, "admin")
	require.Equal(t, 201, do(t, s, "POST", defs, admin, "application/yaml", yamlDraft).status)
	routes := []struct {
		method, path, ctype, body string
		read                      bool
	}{
		{"GET", defs, "", "", true},
		{"GET", defs + "/pilot-chain/draft", "", "", true},
		{"POST", defs + "/pilot-chain/validate", "", "", true},
		{"GET", defs + "/dibao-application/versions/1", "", "", true},
		{"GET", defs + "/dibao-application/versions/1/diagram.svg", "", "", true},
		{"GET", defs + "/dibao-application/diff?from=1&to=1", "", "", true},
		{"GET", defs + "/dibao-application/activations", "", "", true},
		{"GET", defs + "/requests", "", "", true},
		{"POST", defs, "application/yaml", strings.Replace(yamlDraft, "pilot-chain", "pilot-three", 1), false},
		{"PUT", defs + "/pilot-chain/draft", "application/yaml", yamlDraft, false},
		{"POST", defs + "/pilot-chain/publish", "", "", false},
		{"POST", defs + "/dibao-application/activate", "application/json", `{"version":1,"region":"430721"}`, false},
		{"POST", defs + "/requests/1/approve", "", "", false},
	}
	for _, user := range []string{"auditor", "applicant"} {
		token := login(t, s, user)
		for _, rt := range routes {
			t.Run(user+" "+rt.method+" "+rt.path, func(t *testing.T) {
				r := do(t, s, rt.method, rt.path, token, rt.ctype, rt.body)
				if user == "auditor" && rt.read {
					require.Equal(t, 200, r.status, r.raw)
				} else {
					require.Equal(t, http.StatusForbidden, r.status, r.raw)
				}
			})
		}
	}
}
