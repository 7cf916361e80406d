package rbac

import "github.com/assistflow/assistflow/store"

// Object kinds and actions that routes declare.
const (
	ObjCase       = "case"
	ObjTask       = "task"
	ObjNotice     = "notice"
	ObjUser       = "user"
	ObjGrant      = "grant"
	ObjPolicy     = "policy"
	ObjRegion     = "region"
	ObjDefinition = "definition"
	ObjAudit      = "audit"

	ActCreate   = "create"
	ActRead     = "read"
	ActReadOwn  = "read_own"
	ActWithdraw = "withdraw"
	ActSupply   = "supply"
	ActObject   = "object"
	ActAttach   = "attach"
	ActDecide   = "decide"
	ActBatch    = "batch"
	ActManage   = "manage"
)

var officialRoles = []string{"village_officer", "village_committee", "township_clerk", "township_approver",
	"county_checker", "county_approver"}

// DefaultPolicies are what each role of DOMAIN §6 may do. Applicants act
// on their own cases; officials read cases and decide tasks in their
// jurisdiction; the auditor reads everything in its region and acts on
// nothing; the admin manages users, grants, regions and definitions.
// Everyone but the auditor and the admin may read notice boards and
// object to a case on one, as any resident may.
func DefaultPolicies() []store.Policy {
	var ps []store.Policy
	add := func(role, obj string, acts ...string) {
		for _, a := range acts {
			ps = append(ps, store.Policy{Role: role, Object: obj, Action: a})
		}
	}
	add("applicant", ObjCase, ActCreate, ActReadOwn, ActWithdraw, ActSupply, ActObject, ActAttach)
	add("applicant", ObjNotice, ActRead)
	for _, r := range officialRoles {
		add(r, ObjCase, ActRead, ActObject, ActAttach)
		add(r, ObjTask, ActRead, ActDecide)
		add(r, ObjNotice, ActRead)
	}
	for _, r := range []string{"village_officer", "village_committee", "township_clerk"} {
		add(r, ObjCase, ActCreate) // cadre screening and department alerts
	}
	add("county_approver", ObjTask, ActBatch)
	for _, obj := range []string{ObjCase, ObjTask, ObjNotice, ObjUser, ObjGrant, ObjPolicy, ObjRegion, ObjDefinition, ObjAudit} {
		add("auditor", obj, ActRead)
	}
	for _, obj := range []string{ObjUser, ObjGrant, ObjPolicy, ObjRegion, ObjDefinition} {
		add("admin", obj, ActRead, ActManage)
	}
	add("admin", ObjAudit, ActRead)
	add("admin", ObjNotice, ActRead)
	return ps
}
