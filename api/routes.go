package api

import (
	"github.com/assistflow/assistflow/rbac"
	"github.com/gofiber/fiber/v2"
)

// route is one API operation: its handler, and what the OpenAPI document
// and the authorization layer need to know about it.
type route struct {
	method, path string
	handler      fiber.Handler
	summary      string
	access       access
}

// access is what a route requires. Every route declares one; a route that
// declares none is refused to everyone (see guard).
type access struct {
	public   bool     // no token needed
	signedIn bool     // any signed-in user
	obj      string   // else: a role allowed one of acts on obj somewhere
	acts     []string // (objects in a region are checked again by the handler)
}

var (
	public   = access{public: true}
	signedIn = access{signedIn: true}
)

func need(obj string, acts ...string) access { return access{obj: obj, acts: acts} }

func (s *Server) table() []route {
	return []route{
		{"GET", "/healthz", s.healthz, "Process is alive", public},
		{"GET", "/readyz", s.readyz, "Database, Temporal and worker are ready", public},
		{"GET", "/openapi.json", s.openapi, "This API's OpenAPI 3.1 document", public},
		{"GET", "/docs", s.docs, "This API's reference page", public},
		{"POST", "/api/v1/auth/login", s.login, "Sign in; returns a bearer token", public},
		{"POST", "/api/v1/auth/logout", s.logout, "Sign out: the bearer token is refused from now on, by every API process; ?everywhere=true ends every sign-in of the user", signedIn},
		{"GET", "/api/v1/me", s.me, "The signed-in user and their roles", signedIn},
		{"POST", "/api/v1/cases", s.createCase, "Submit a case (Idempotency-Key header required)", need(rbac.ObjCase, rbac.ActCreate)},
		{"GET", "/api/v1/cases", s.listCases, "Cases the caller may see", need(rbac.ObjCase, rbac.ActRead, rbac.ActReadOwn)},
		{"GET", "/api/v1/cases/:id", s.getCase, "One case with its stages and timeline", need(rbac.ObjCase, rbac.ActRead, rbac.ActReadOwn)},
		{"GET", "/api/v1/cases/:id/audit", s.caseAudit, "The case's audit trail: who acted, when (hash-chained)", need(rbac.ObjCase, rbac.ActRead, rbac.ActReadOwn)},
		{"POST", "/api/v1/cases/:id/reveal", s.revealCase, "Unmask the household's ID numbers, phone and bank account (reason required; audited)", need(rbac.ObjCase, rbac.ActRead)},
		{"POST", "/api/v1/cases/:id/withdraw", s.withdrawCase, "Withdraw an application", need(rbac.ObjCase, rbac.ActWithdraw)},
		{"POST", "/api/v1/cases/:id/materials", s.supplyMaterials, "Supply materials that were asked for", need(rbac.ObjCase, rbac.ActSupply)},
		{"POST", "/api/v1/cases/:id/objections", s.objectCase, "Object to a case on public notice", need(rbac.ObjCase, rbac.ActObject)},
		{"POST", "/api/v1/cases/:id/attachments", s.uploadAttachment, "Upload evidence or materials (multipart field \"file\"; JPEG, PNG, GIF, WebP, PDF; at most 10 MB)", need(rbac.ObjCase, rbac.ActAttach)},
		{"GET", "/api/v1/cases/:id/attachments", s.listAttachments, "List a case's attachments", need(rbac.ObjCase, rbac.ActRead, rbac.ActReadOwn)},
		{"GET", "/api/v1/cases/:id/attachments/:aid", s.downloadAttachment, "Download one attachment", need(rbac.ObjCase, rbac.ActRead, rbac.ActReadOwn)},
		{"GET", "/api/v1/notices", s.notices, "The public notice board of a region", need(rbac.ObjNotice, rbac.ActRead)},
		{"GET", "/api/v1/tasks", s.inbox, "The caller's task inbox", need(rbac.ObjTask, rbac.ActRead)},
		{"POST", "/api/v1/tasks/:id/claim", s.claimTask, "Claim a task", need(rbac.ObjTask, rbac.ActDecide)},
		{"POST", "/api/v1/tasks/:id/unclaim", s.unclaimTask, "Return a claimed task to the pool", need(rbac.ObjTask, rbac.ActDecide)},
		{"POST", "/api/v1/tasks/:id/delegate", s.delegateTask, "Hand a claimed task to an acting official until a time", need(rbac.ObjTask, rbac.ActDecide)},
		{"POST", "/api/v1/tasks/:id/decision", s.decideTask, "Decide a task", need(rbac.ObjTask, rbac.ActDecide)},
		{"POST", "/api/v1/tasks/decisions", s.decideBatch, "Decide up to 200 tasks at once", need(rbac.ObjTask, rbac.ActBatch)},
		{"GET", "/api/v1/admin/users", s.listUsers, "Users holding a role in your regions", need(rbac.ObjUser, rbac.ActRead)},
		{"POST", "/api/v1/admin/users", s.createUser, "Create a user with grants in your regions", need(rbac.ObjUser, rbac.ActManage)},
		{"POST", "/api/v1/admin/users/:id/disable", s.setUserDisabled(true), "Disable a user", need(rbac.ObjUser, rbac.ActManage)},
		{"POST", "/api/v1/admin/users/:id/enable", s.setUserDisabled(false), "Enable a user again", need(rbac.ObjUser, rbac.ActManage)},
		{"POST", "/api/v1/admin/users/:id/password", s.resetPassword, "Reset a user's password and end their sign-ins", need(rbac.ObjUser, rbac.ActManage)},
		{"GET", "/api/v1/admin/grants", s.listGrants, "Grants in your regions (filter: user)", need(rbac.ObjGrant, rbac.ActRead)},
		{"POST", "/api/v1/admin/grants", s.addGrant, "Give a user a role at a region", need(rbac.ObjGrant, rbac.ActManage)},
		{"DELETE", "/api/v1/admin/grants/:id", s.removeGrant, "Remove a grant", need(rbac.ObjGrant, rbac.ActManage)},
		{"GET", "/api/v1/admin/policies", s.listPolicies, "What each role may do", need(rbac.ObjPolicy, rbac.ActRead)},
		{"POST", "/api/v1/admin/policies", s.addPolicy, "Allow a role an action on an object (top-level admins)", need(rbac.ObjPolicy, rbac.ActManage)},
		{"DELETE", "/api/v1/admin/policies", s.removePolicy, "Remove a policy (top-level admins)", need(rbac.ObjPolicy, rbac.ActManage)},
		{"GET", "/api/v1/admin/regions", s.regionTree, "The administrative region tree", need(rbac.ObjRegion, rbac.ActRead)},
		{"POST", "/api/v1/admin/regions/import", s.importRegions, "Import regions from CSV (code,name,name_en,level,parent)", need(rbac.ObjRegion, rbac.ActManage)},
		{"GET", "/api/v1/admin/definitions", s.listDefinitions, "Definitions with their versions, activations and open cases", need(rbac.ObjDefinition, rbac.ActRead)},
		{"POST", "/api/v1/admin/definitions", s.createDraft, "Create a definition draft (JSON or YAML body)", need(rbac.ObjDefinition, rbac.ActManage)},
		{"GET", "/api/v1/admin/definitions/requests", s.listRequests, "Pending publish and activation requests (maker-checker)", need(rbac.ObjDefinition, rbac.ActRead)},
		{"POST", "/api/v1/admin/definitions/requests/:id/approve", s.approveRequest, "Approve and apply another administrator's request", need(rbac.ObjDefinition, rbac.ActManage)},
		{"GET", "/api/v1/admin/definitions/:key/draft", s.getDraft, "A definition's draft", need(rbac.ObjDefinition, rbac.ActRead)},
		{"PUT", "/api/v1/admin/definitions/:key/draft", s.replaceDraft, "Replace a definition's draft (JSON or YAML body)", need(rbac.ObjDefinition, rbac.ActManage)},
		{"POST", "/api/v1/admin/definitions/:key/validate", s.validateDraft, "Validate the draft; lists every problem by field", need(rbac.ObjDefinition, rbac.ActRead)},
		{"POST", "/api/v1/admin/definitions/:key/simulate", s.simulate, "Run a scenario through a version or the draft in the test environment", need(rbac.ObjDefinition, rbac.ActRead)},
		{"POST", "/api/v1/admin/definitions/:key/publish", s.publishDraft, "Freeze the draft as the next version (or request it)", need(rbac.ObjDefinition, rbac.ActManage)},
		{"GET", "/api/v1/admin/definitions/:key/versions/:n", s.getVersion, "One published version", need(rbac.ObjDefinition, rbac.ActRead)},
		{"GET", "/api/v1/admin/definitions/:key/versions/:n/diagram.svg", s.diagram, "One version drawn as an SVG diagram", need(rbac.ObjDefinition, rbac.ActRead)},
		{"GET", "/api/v1/admin/definitions/:key/diff", s.diffDefinition, "What changed between two versions (from, to; a number or \"draft\")", need(rbac.ObjDefinition, rbac.ActRead)},
		{"POST", "/api/v1/admin/definitions/:key/activate", s.activate, "Choose the version new cases start on in a region (or request it)", need(rbac.ObjDefinition, rbac.ActManage)},
		{"POST", "/api/v1/admin/definitions/:key/migrations/preview", s.previewMigration, "Which open cases a migration would move, stage by stage", need(rbac.ObjDefinition, rbac.ActManage)},
		{"POST", "/api/v1/admin/definitions/:key/migrations/apply", s.applyMigration, "Move open cases onto another version with a stage mapping", need(rbac.ObjDefinition, rbac.ActManage)},
		{"GET", "/api/v1/admin/definitions/:key/activations", s.listActivations, "Where each version is active", need(rbac.ObjDefinition, rbac.ActRead)},
	}
}

// guard returns the middleware a route's access needs. A route without a
// declaration answers 403 to everyone: forgetting one fails closed.
func (s *Server) guard(a access) []fiber.Handler {
	switch {
	case a.public:
		return nil
	case a.signedIn:
		return []fiber.Handler{s.authenticate}
	case a.obj == "" || len(a.acts) == 0:
		return []fiber.Handler{func(c *fiber.Ctx) error {
			return newProblem(fiber.StatusForbidden, "this route declares no access rule")
		}}
	}
	return []fiber.Handler{s.authenticate, func(c *fiber.Ctx) error {
		p := principal(c)
		for _, act := range a.acts {
			if s.cfg.Authz.AllowedSomewhere(p.User.ID, a.obj, act) {
				return c.Next()
			}
		}
		return newProblem(fiber.StatusForbidden, "your roles do not allow this")
	}}
}
