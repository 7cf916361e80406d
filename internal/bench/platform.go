package bench

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/assistflow/assistflow/store"
)

// platform drives cases through the HTTP API as people would: the
// applicant submits, then each reviewer reads their inbox, claims the
// case's task and decides it.
type platform struct {
	base string
	http *http.Client
	run  int64 // makes idempotency keys unique per run
	// desks holds logged-in desks between phases; room for every worker.
	desks chan *desk
}

type caseRef struct {
	ID     int64  `json:"id"`
	Status string `json:"status"`
}

type inboxPage struct {
	Items []struct {
		ID int64 `json:"id"`
	} `json:"items"`
}

// desk is one simulated approver desk: the applicant and the three
// reviewers, logged in.
type desk struct {
	applicant *apiClient
	people    []*apiClient
}

// drive takes its cases one after another at one desk. Desks log in once
// (during the warm-up) and are reused, as officials keep their session:
// the run measures cases, not password hashing.
func (p *platform) drive(ctx context.Context, cases []int) ([]time.Duration, error) {
	if len(cases) == 0 {
		return nil, nil
	}
	d, err := p.desk(ctx)
	if err != nil {
		return nil, err
	}
	defer func() { p.desks <- d }()
	var lat []time.Duration
	for _, i := range cases {
		l, err := p.runCase(ctx, i, d.applicant, d.people)
		if err != nil {
			return lat, err
		}
		lat = append(lat, l...)
	}
	return lat, nil
}

// desk returns a free desk, logging a new one in when none is free.
func (p *platform) desk(ctx context.Context) (*desk, error) {
	select {
	case d := <-p.desks:
		return d, nil
	default:
	}
	d := &desk{}
	var err error
	if d.applicant, err = login(ctx, p.http, p.base, "applicant", store.DemoPassword); err != nil {
		return nil, err
	}
	for _, u := range reviewers {
		c, err := login(ctx, p.http, p.base, u, store.DemoPassword)
		if err != nil {
			return nil, err
		}
		d.people = append(d.people, c)
	}
	return d, nil
}

// runCase takes one case from submission to approval.
func (p *platform) runCase(ctx context.Context, i int, applicant *apiClient, people []*apiClient) ([]time.Duration, error) {
	var c caseRef
	err := applicant.call(ctx, "POST", "/api/v1/cases", map[string]any{"program": benchProgram,
		"region": store.DemoVillage, "channel": "self_report", "household": household(i)}, &c, http.StatusCreated,
		"Idempotency-Key", fmt.Sprintf("bench-%d-%d", p.run, i))
	if err != nil {
		return nil, err
	}
	var lat []time.Duration
	for _, who := range people {
		id, err := waitTask(ctx, who, c.ID)
		if err != nil {
			return lat, err
		}
		if err := who.call(ctx, "POST", fmt.Sprintf("/api/v1/tasks/%d/claim", id), nil, nil, http.StatusOK); err != nil {
			return lat, err
		}
		start := time.Now()
		err = who.call(ctx, "POST", fmt.Sprintf("/api/v1/tasks/%d/decision", id),
			map[string]string{"action": "approve", "comment": "压测"}, nil, http.StatusOK)
		if err != nil {
			return lat, err
		}
		lat = append(lat, time.Since(start))
	}
	return lat, poll(ctx, func() (bool, error) {
		err := applicant.call(ctx, "GET", fmt.Sprintf("/api/v1/cases/%d", c.ID), nil, &c, http.StatusOK)
		return c.Status == store.StatusApproved, err
	})
}

// waitTask reads the reviewer's inbox until the case's task is there: the
// workflow opens it after the previous decision.
func waitTask(ctx context.Context, who *apiClient, caseID int64) (int64, error) {
	var page inboxPage
	err := poll(ctx, func() (bool, error) {
		err := who.call(ctx, "GET", fmt.Sprintf("/api/v1/tasks?view=claimable&case_id=%d", caseID), nil, &page, http.StatusOK)
		return len(page.Items) > 0, err
	})
	if err != nil {
		return 0, fmt.Errorf("case %d: %w", caseID, err)
	}
	return page.Items[0].ID, nil
}

// poll retries check, backing off from 2 ms to 20 ms, for at most a minute.
func poll(ctx context.Context, check func() (bool, error)) error {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	for wait := 2 * time.Millisecond; ; wait = min(wait*2, 20*time.Millisecond) {
		ok, err := check()
		if err != nil || ok {
			return err
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("gave up waiting: %w", ctx.Err())
		case <-time.After(wait):
		}
	}
}

// household is a valid submission; i varies the ID number.
func household(i int) map[string]any {
	return map[string]any{
		"head_name": "压测户", "phone": "13900001111",
		"members": []map[string]any{{"name": "压测户", "id_number": idNumber(i), "relation": "self",
			"health": "chronic_illness", "labor_capacity": "weak"}},
		"income":         []map[string]any{{"source": "wages", "amount": 4800}},
		"rigid_spending": []map[string]any{{"kind": "medical", "amount": 15000}},
		"risks":          []string{"illness"},
	}
}

// idNumber is a GB 11643 number of a person born in county 430721.
func idNumber(i int) string {
	body := fmt.Sprintf("43072119%02d%02d%02d%03d", 60+i/36500%40, 1+i/1000%12, 1+i%28, i%1000)
	weights := []int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for k, c := range body {
		sum += int(c-'0') * weights[k]
	}
	return body + string("10X98765432"[sum%11])
}
