package e2e

import (
	"fmt"
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"
)

var idSeq atomic.Int64

// idNumber makes a valid GB 11643 ID number for a person born in 1980s in
// county 430721; n varies the sequence part.
func idNumber(n int64) string {
	body := fmt.Sprintf("43072119%02d0101%03d", 80+n%10, n%1000)
	weights := []int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i, c := range body {
		sum += int(c-'0') * weights[i]
	}
	return body + string("10X98765432"[sum%11])
}

// household is a valid monitoring household for the demo village.
func household(head string) map[string]any {
	n := idSeq.Add(1)
	return map[string]any{
		"head_name": head, "phone": "13900001111",
		"members": []map[string]any{{"name": head, "id_number": idNumber(n), "relation": "self",
			"health": "chronic_illness", "labor_capacity": "weak"}},
		"income":         []map[string]any{{"source": "wages", "amount": 4800}},
		"rigid_spending": []map[string]any{{"kind": "medical", "amount": 15000}},
		"risks":          []string{"illness"},
	}
}

type caseView struct {
	ID            int64  `json:"id"`
	Status        string `json:"status"`
	Program       string `json:"program"`
	CurrentStages []struct {
		ID   string `json:"id"`
		Role string `json:"role"`
	} `json:"current_stages"`
	Timeline []struct {
		Stage     string `json:"stage"`
		Action    string `json:"action"`
		ActorRole string `json:"actor_role"`
	} `json:"timeline"`
	Definition struct {
		Key     string `json:"key"`
		Version int    `json:"version"`
	} `json:"definition"`
}

// submit files a monitoring case as the demo applicant.
func (d *dev) submit(token, key, head string) caseView {
	d.t.Helper()
	var c caseView
	st := d.call("POST", "/api/v1/cases", token, map[string]any{"program": "monitoring", "region": "430721100201",
		"channel": "self_report", "household": household(head)}, &c, "Idempotency-Key", key)
	require.Equal(d.t, http.StatusCreated, st)
	return c
}

type task struct {
	ID     int64  `json:"id"`
	CaseID int64  `json:"case_id"`
	Stage  string `json:"stage"`
	Role   string `json:"role"`
}

// openTask finds the open task of a case visible to a user.
func (d *dev) openTask(token string, caseID int64) (task, bool) {
	d.t.Helper()
	var inbox struct {
		Items []task `json:"items"`
	}
	st := d.call("GET", fmt.Sprintf("/api/v1/tasks?view=all&case_id=%d", caseID), token, nil, &inbox)
	require.Equal(d.t, http.StatusOK, st)
	if len(inbox.Items) == 0 {
		return task{}, false
	}
	return inbox.Items[0], true
}

// approve decides a case's open task for the user, who must see one.
func (d *dev) approve(t *testing.T, user string, caseID int64) caseView {
	t.Helper()
	tok := d.login(user)
	tk, ok := d.openTask(tok, caseID)
	require.True(t, ok, "%s sees no task of case %d", user, caseID)
	var c caseView
	st := d.call("POST", fmt.Sprintf("/api/v1/tasks/%d/decision", tk.ID), tok,
		map[string]string{"action": "approve", "comment": "核实无误"}, &c)
	require.Equal(t, http.StatusOK, st)
	return c
}
