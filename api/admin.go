package api

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/assistflow/assistflow/internal/failpoint"

	"github.com/assistflow/assistflow/process"
	"github.com/assistflow/assistflow/rbac"
	"github.com/assistflow/assistflow/store"
	"github.com/gofiber/fiber/v2"
)

var usernamePattern = regexp.MustCompile(`^[a-z][a-z0-9_.-]{2,39}$`)

type grantRequest struct {
	User   string `json:"user,omitempty"`
	Role   string `json:"role"`
	Region string `json:"region"`
}

type userRequest struct {
	Username    string         `json:"username"`
	DisplayName string         `json:"display_name"`
	Password    string         `json:"password"`
	Grants      []grantRequest `json:"grants"`
}

// manages reports whether the admin may manage obj in the region at path:
// an admin administers only its own subtree.
func (s *Server) manages(p *Principal, path, obj string) bool {
	return s.cfg.Authz.Allowed(p.User.ID, path, obj, rbac.ActManage)
}

// checkGrant validates one grant an admin asks for and returns its region.
func (s *Server) checkGrant(c *fiber.Ctx, g grantRequest, field string) (store.Region, process.ValidationError) {
	var errs process.ValidationError
	if !slices.Contains(process.Roles, g.Role) {
		errs = append(errs, process.FieldError{Field: field + ".role", Message: fmt.Sprintf("unknown role %q", g.Role)})
	}
	r, err := s.store.Region(c.UserContext(), g.Region)
	if err != nil {
		return r, append(errs, process.FieldError{Field: field + ".region", Message: fmt.Sprintf("unknown region %q", g.Region)})
	}
	if !s.manages(principal(c), r.Path, rbac.ObjGrant) {
		errs = append(errs, process.FieldError{Field: field + ".region", Message: "outside the regions you administer"})
	}
	return r, errs
}

func (s *Server) createUser(c *fiber.Ctx) error {
	var req userRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	u, err := s.newUser(c, req)
	if err != nil {
		return err
	}
	gs, err := s.store.GrantsOf(c.UserContext(), u.ID)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(viewOfUser(u, gs))
}

// newUser checks, creates and audits a user with its grants; the JSON
// handler and the users page both call it.
func (s *Server) newUser(c *fiber.Ctx, req userRequest) (store.User, error) {
	var errs process.ValidationError
	if !usernamePattern.MatchString(req.Username) {
		errs = append(errs, process.FieldError{Field: "username", Message: "3 to 40 characters: lowercase letters, digits, _ . -, starting with a letter"})
	}
	if n := utf8.RuneCountInString(req.DisplayName); n == 0 || n > 50 {
		errs = append(errs, process.FieldError{Field: "display_name", Message: "1 to 50 characters"})
	}
	if len(req.Password) < 8 || len(req.Password) > 72 {
		errs = append(errs, process.FieldError{Field: "password", Message: "8 to 72 characters"})
	}
	if len(req.Grants) == 0 {
		errs = append(errs, process.FieldError{Field: "grants", Message: "at least one grant in a region you administer"})
	}
	in := store.NewUser{Username: req.Username, DisplayName: req.DisplayName, Password: req.Password}
	for i, g := range req.Grants {
		_, gerrs := s.checkGrant(c, g, fmt.Sprintf("grants[%d]", i))
		errs = append(errs, gerrs...)
		in.Grants = append(in.Grants, store.NewGrant{Role: g.Role, Region: g.Region})
	}
	if len(errs) > 0 {
		return store.User{}, invalid(errs)
	}
	var u store.User
	err := s.audited(c, "user.create", func(st *store.Store) (string, map[string]any, error) {
		var err error
		u, err = st.CreateUser(c.UserContext(), in)
		return fmt.Sprintf("user/%d", u.ID), map[string]any{"username": u.Username, "grants": req.Grants}, err
	})
	if err != nil {
		return u, err
	}
	return u, s.cfg.Authz.Refresh(c.UserContext())
}

func (s *Server) listUsers(c *fiber.Ctx) error {
	limit, after, err := paging(c)
	if err != nil {
		return err
	}
	us, next, err := s.usersPage(c, after, limit)
	if err != nil {
		return err
	}
	items := make([]userView, 0, len(us))
	for _, u := range us {
		items = append(items, viewOfUser(u.User, u.Grants))
	}
	return c.JSON(fiber.Map{"items": items, "next_cursor": cursor(next)})
}

// userGrants is a user with the grants the caller may see, and whether
// the caller manages the user (see managesAll).
type userGrants struct {
	store.User
	Grants  []store.Grant
	Manages bool
}

// usersPage lists users holding a role in the caller's regions, each with
// only the grants the caller may see.
func (s *Server) usersPage(c *fiber.Ctx, after int64, limit int) ([]userGrants, int64, error) {
	readable := s.regionsFor(principal(c), rbac.ObjUser, rbac.ActRead)
	managed := s.regionsFor(principal(c), rbac.ObjUser, rbac.ActManage)
	us, next, err := s.store.UsersInRegions(c.UserContext(), readable, after, limit)
	if err != nil {
		return nil, 0, err
	}
	items := make([]userGrants, 0, len(us))
	for _, u := range us {
		gs, err := s.store.GrantsOf(c.UserContext(), u.ID)
		if err != nil {
			return nil, 0, err
		}
		manages := managesAll(gs, managed)
		// Only the grants in the caller's regions: the rest is not theirs to see.
		gs = slices.DeleteFunc(gs, func(g store.Grant) bool { return !allWithin([]store.Grant{g}, readable) })
		items = append(items, userGrants{u, gs, manages})
	}
	return items, next, nil
}

// managedUser loads a user the admin manages (holding a grant in the
// admin's subtree); anyone else is 404.
func (s *Server) managedUser(c *fiber.Ctx) (store.User, error) {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil {
		return store.User{}, store.ErrNotFound
	}
	gs, err := s.store.GrantsOf(c.UserContext(), id)
	if err != nil {
		return store.User{}, err
	}
	if !managesAll(gs, s.regionsFor(principal(c), rbac.ObjUser, rbac.ActManage)) {
		return store.User{}, store.ErrNotFound
	}
	return s.store.User(c.UserContext(), id)
}

// managesAll is the rule for managing a user with grants gs from the
// managed region paths: every grant must lie in the admin's subtree. A
// user who also holds a role elsewhere is someone else's to manage too,
// and resetting their password would hand over that role.
func managesAll(gs []store.Grant, managed []string) bool {
	return len(gs) > 0 && allWithin(gs, managed)
}

// allWithin reports whether every grant lies under one of the paths.
func allWithin(gs []store.Grant, paths []string) bool {
	for _, g := range gs {
		if !slices.ContainsFunc(paths, func(p string) bool { return strings.HasPrefix(g.RegionPath, p) }) {
			return false
		}
	}
	return true
}

func (s *Server) setUserDisabled(disabled bool) fiber.Handler {
	return func(c *fiber.Ctx) error {
		u, err := s.switchUser(c, disabled)
		if err != nil {
			return err
		}
		gs, _ := s.store.GrantsOf(c.UserContext(), u.ID)
		return c.JSON(fiber.Map{"user": viewOfUser(u, gs), "disabled": disabled})
	}
}

// switchUser disables or enables the user of the path's :id and audits
// it; shared by the JSON handler and the users page.
func (s *Server) switchUser(c *fiber.Ctx, disabled bool) (store.User, error) {
	u, err := s.managedUser(c)
	if err != nil {
		return u, err
	}
	if u.ID == principal(c).User.ID {
		return u, newProblem(fiber.StatusConflict, "you cannot disable yourself")
	}
	err = s.audited(c, map[bool]string{true: "user.disable", false: "user.enable"}[disabled],
		func(st *store.Store) (string, map[string]any, error) {
			return fmt.Sprintf("user/%d", u.ID), nil, st.SetUserDisabled(c.UserContext(), u.ID, disabled)
		})
	if err != nil {
		return u, err
	}
	u.Disabled = disabled
	return u, nil
}

func (s *Server) resetPassword(c *fiber.Ctx) error {
	u, err := s.managedUser(c)
	if err != nil {
		return err
	}
	var req struct {
		Password string `json:"password"`
	}
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	if err := s.setPassword(c, u, req.Password); err != nil {
		return err
	}
	return c.JSON(fiber.Map{"id": u.ID, "password_reset": true})
}

// setPassword checks and sets a managed user's new password and audits
// it; shared by the JSON handler and the users page.
func (s *Server) setPassword(c *fiber.Ctx, u store.User, password string) error {
	if len(password) < 8 || len(password) > 72 {
		return badField("password", "8 to 72 characters")
	}
	return s.audited(c, "user.reset_password", func(st *store.Store) (string, map[string]any, error) {
		return fmt.Sprintf("user/%d", u.ID), nil, st.SetPassword(c.UserContext(), u.ID, password)
	})
}

func (s *Server) listGrants(c *fiber.Ctx) error {
	var userID int64
	if v := c.Query("user"); v != "" {
		u, err := s.store.UserByUsername(c.UserContext(), v)
		if err != nil {
			return badField("user", fmt.Sprintf("no user %q", v))
		}
		userID = u.ID
	}
	gs, err := s.store.GrantsInRegions(c.UserContext(), s.regionsFor(principal(c), rbac.ObjGrant, rbac.ActRead), userID)
	if err != nil {
		return err
	}
	if gs == nil {
		gs = []store.Grant{}
	}
	return c.JSON(fiber.Map{"items": gs})
}

func (s *Server) addGrant(c *fiber.Ctx) error {
	var req grantRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	g, err := s.grant(c, req)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(g)
}

// grant checks, adds and audits one grant; shared by the JSON handler
// and the users page.
func (s *Server) grant(c *fiber.Ctx, req grantRequest) (store.Grant, error) {
	u, err := s.store.UserByUsername(c.UserContext(), req.User)
	if err != nil {
		return store.Grant{}, badField("user", fmt.Sprintf("no user %q", req.User))
	}
	if _, errs := s.checkGrant(c, req, "grant"); len(errs) > 0 {
		return store.Grant{}, invalid(errs)
	}
	var g store.Grant
	var v int64
	err = s.audited(c, "grant.add", func(st *store.Store) (string, map[string]any, error) {
		var err error
		g, v, err = st.AddGrant(c.UserContext(), u.ID, store.NewGrant{Role: req.Role, Region: req.Region})
		return fmt.Sprintf("grant/%d", g.ID), map[string]any{"user": u.Username, "role": g.Role, "region": g.RegionCode}, err
	})
	if err != nil {
		return g, err
	}
	return g, s.cfg.Authz.GrantAdded(c.UserContext(), g, v)
}

func (s *Server) removeGrant(c *fiber.Ctx) error {
	g, err := s.revoke(c)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"removed": g})
}

// revoke removes and audits the grant of the path's :id; shared by the
// JSON handler and the users page.
func (s *Server) revoke(c *fiber.Ctx) (store.Grant, error) {
	id, _ := strconv.ParseInt(c.Params("id"), 10, 64)
	g, err := s.store.Grant(c.UserContext(), id)
	if err != nil {
		return g, err
	}
	if !s.manages(principal(c), g.RegionPath, rbac.ObjGrant) {
		return g, store.ErrNotFound
	}
	var v int64
	err = s.audited(c, "grant.remove", func(st *store.Store) (string, map[string]any, error) {
		var err error
		g, v, err = st.RemoveGrant(c.UserContext(), id)
		return fmt.Sprintf("grant/%d", g.ID), map[string]any{"user_id": g.UserID, "role": g.Role, "region": g.RegionCode}, err
	})
	if err != nil {
		return g, err
	}
	return g, s.cfg.Authz.GrantRemoved(c.UserContext(), g, v)
}

func (s *Server) audit(c *fiber.Ctx, action, object string, detail map[string]any) error {
	return s.store.Audit(c.UserContext(), s.adminEvent(c, action, object, detail))
}

// audited makes an administrative change and writes its audit event in one
// transaction, so that no change stands without its event. change makes
// the change with st, the transaction's store (and nothing else), and
// names the event's object and detail.
func (s *Server) audited(c *fiber.Ctx, action string,
	change func(st *store.Store) (object string, detail map[string]any, err error)) error {
	ctx := c.UserContext()
	return s.store.Batch(ctx, func(st *store.Store) error {
		object, detail, err := change(st)
		if err != nil {
			return err
		}
		// A crash drill stops here: the change written, its event not yet.
		failpoint.Crash("api/audited/" + action)
		return st.Audit(ctx, s.adminEvent(c, action, object, detail))
	})
}

func (s *Server) adminEvent(c *fiber.Ctx, action, object string, detail map[string]any) store.AuditEvent {
	id := principal(c).User.ID
	return store.AuditEvent{EventKey: fmt.Sprintf("admin/%d/%d", id, s.cfg.Now().UnixNano()), ActorID: &id,
		Action: action, Object: object, Detail: mustJSON(detail)}
}

var errNotRoot = errors.New("policies apply everywhere: only an administrator of a top-level region changes them")

// policyAdmin: roles and policies are national, so only an admin at a
// top-level region may change them.
func (s *Server) policyAdmin(p *Principal) bool {
	for _, g := range p.Grants {
		if strings.Count(g.RegionPath, "/") == 1 && s.manages(p, g.RegionPath, rbac.ObjPolicy) {
			return true
		}
	}
	return false
}
