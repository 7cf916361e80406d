package api

import (
	"encoding/json"
	"strings"
	"testing"
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
