package api

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/assistflow/assistflow/store"
	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"
)

// FuzzCaseRequest feeds arbitrary bodies to the submission decoder and
// validator: whatever arrives, they answer with a problem or a valid
// request, and never panic.
func FuzzCaseRequest(f *testing.F) {
	f.Add(`{"program":"monitoring","region":"430721100201","channel":"self_report","household":{"head_name":"张三","phone":"13900001111","members":[{"name":"张三","id_number":"430721198001010013","relation":"self","health":"healthy","labor_capacity":"normal"}],"income":[{"source":"wages","amount":4800}],"rigid_spending":[],"risks":["illness"]}}`)
	f.Add(`{"program":7}`)
	f.Add(`{"household":{"members":[{"id_number":"43072119800101001X"}]}}`)
	f.Add(`[]`)
	f.Fuzz(func(t *testing.T, body string) {
		var req caseRequest
		dec := json.NewDecoder(strings.NewReader(body))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&req); err != nil {
			if badJSON(err) == nil {
				t.Fatal("a decode error must become a problem")
			}
			return
		}
		errs := req.validate()
		for _, e := range errs {
			if e.Field == "" || e.Message == "" {
				t.Fatalf("a validation error names no field or says nothing: %+v", e)
			}
		}
		_ = req.digest()
	})
}

// FuzzDecisionRequest feeds arbitrary bodies through decodeJSON (content
// type, size limit, unknown fields) into a decision, then its checks
// against a review task: the answer is a problem naming fields, or a
// decision the workflow may judge; never a panic.
func FuzzDecisionRequest(f *testing.F) {
	f.Add([]byte(`{"action":"approve","comment":"核实无误"}`))
	f.Add([]byte(`{"action":"reject","reason_code":"income_above_line","evidence":["a","b"]}`))
	f.Add([]byte(`{"action":"return","return_to":"home_check","appraisal":{"votes_for":5}}`))
	f.Add([]byte(`{"action":["approve"]}`))
	f.Add([]byte(`{"action":"approve","per_capita_income":"x"}`))
	task := store.Task{Actions: store.JSON(`["approve","reject","return"]`), Status: store.TaskOpen}
	f.Fuzz(func(t *testing.T, body []byte) {
		var req decisionRequest
		if err := decodeBody(body, &req); err != nil {
			requireProblem(t, err)
			return
		}
		errs := append(req.validate("decisions[0]."), req.fits(task, "decisions[0].")...)
		for _, e := range errs {
			if !strings.HasPrefix(e.Field, "decisions[0].") || e.Message == "" {
				t.Fatalf("a validation error names no field or says nothing: %+v", e)
			}
		}
	})
}

// FuzzSmallBodies runs the small request bodies (sign-in, reveal,
// withdraw, delegate, grant) through decodeJSON: every failure is a 4xx
// problem.
func FuzzSmallBodies(f *testing.F) {
	f.Add(uint8(0), []byte(`{"username":"applicant","password":"demo"}`))
	f.Add(uint8(1), []byte(`{"reason":"核对户籍"}`))
	f.Add(uint8(2), []byte(`{"reason":"不再需要","attachments":[1]}`))
	f.Add(uint8(3), []byte(`{"to_user":"county_approver2","until":"2026-12-01T00:00:00Z"}`))
	f.Add(uint8(4), []byte(`{"user_id":3,"role":"auditor","region":"430721"}`))
	f.Add(uint8(1), []byte(`{"reason":1e999}`))
	f.Fuzz(func(t *testing.T, kind uint8, body []byte) {
		dst := []any{&loginRequest{}, &revealRequest{}, &textRequest{}, &delegateRequest{}, &grantRequest{}}[int(kind)%5]
		if err := decodeBody(body, dst); err != nil {
			requireProblem(t, err)
		}
	})
}

// decodeBody runs decodeJSON on a JSON request carrying body.
func decodeBody(body []byte, dst any) error {
	app := fiber.New()
	c := app.AcquireCtx(&fasthttp.RequestCtx{})
	defer app.ReleaseCtx(c)
	c.Request().Header.SetContentType(fiber.MIMEApplicationJSON)
	c.Request().SetBody(body)
	return decodeJSON(c, dst)
}

// requireProblem: a decoder failure is a 4xx problem that says something.
func requireProblem(t *testing.T, err error) {
	t.Helper()
	var p *problem
	if !errors.As(err, &p) || p.p.Status < 400 || p.p.Status > 499 || (p.p.Detail == "" && len(p.p.Errors) == 0) {
		t.Fatalf("a decoder failure that is not a 4xx problem: %#v", err)
	}
}
