package rbac

import (
	"context"
	"fmt"

	"github.com/assistflow/assistflow/store"
	"github.com/casbin/casbin/v2/model"
	"github.com/casbin/casbin/v2/persist"
)

// modelText: a request names a user, one region path (the domain), an
// object kind and an action. g(user, role, domain) are the grants; the
// caller asks once per ancestor of the object's region, so a grant at a
// county answers for its villages with exact, indexed domain lookups.
const modelText = `
[request_definition]
r = sub, dom, obj, act

[policy_definition]
p = sub, obj, act

[role_definition]
g = _, _, _

[policy_effect]
e = some(where (p.eft == allow))

[matchers]
m = r.obj == p.obj && r.act == p.act && g(r.sub, p.sub, r.dom)
`

// Source is where policies and grants are kept (the store).
type Source interface {
	Policies(ctx context.Context) ([]store.Policy, error)
	AllGrants(ctx context.Context) ([]store.Grant, error)
	RBACVersion(ctx context.Context) (int64, error)
}

// adapter loads the model's lines from the store. It is read-only: writes
// go through the store (which bumps the version) and reach the enforcer
// incrementally or by reload.
type adapter struct {
	src Source
	ctx context.Context
}

var _ persist.Adapter = (*adapter)(nil)

func subject(userID int64) string { return fmt.Sprintf("u:%d", userID) }

func (a *adapter) LoadPolicy(m model.Model) error {
	ps, err := a.src.Policies(a.ctx)
	if err != nil {
		return err
	}
	for _, p := range ps {
		if err := persist.LoadPolicyArray([]string{"p", p.Role, p.Object, p.Action}, m); err != nil {
			return err
		}
	}
	gs, err := a.src.AllGrants(a.ctx)
	if err != nil {
		return err
	}
	for _, g := range gs {
		if err := persist.LoadPolicyArray([]string{"g", subject(g.UserID), g.Role, g.RegionPath}, m); err != nil {
			return err
		}
	}
	return nil
}

func (a *adapter) SavePolicy(model.Model) error {
	return fmt.Errorf("rbac: policies are written through the store")
}
func (a *adapter) AddPolicy(string, string, []string) error    { return nil }
func (a *adapter) RemovePolicy(string, string, []string) error { return nil }
func (a *adapter) RemoveFilteredPolicy(string, string, int, ...string) error {
	return nil
}
