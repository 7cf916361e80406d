package api

import (
	"strconv"

	"github.com/assistflow/assistflow/api/web"
	"github.com/assistflow/assistflow/process"
	"github.com/assistflow/assistflow/rbac"
	"github.com/assistflow/assistflow/store"
	"github.com/gofiber/fiber/v2"
)

// usersData is the users page: the users in the admin's regions, a form
// to create one with a first grant, and one to add a grant.
type usersData struct {
	Users      []userGrants
	Next       *string
	Roles      []string
	Regions    []store.Region
	Manage     bool
	Me         int64
	Form       userForm
	Problems   *formProblems
	GrantForm  grantRequest
	GrantProbs *formProblems
	// PasswordFor is the user whose refused password reset comes back
	// open, with PasswordProbs beside its fields.
	PasswordFor   int64
	PasswordProbs *formProblems
}

// userForm keeps what was typed into the create form (never the password).
type userForm struct {
	Username, DisplayName, Role, Region string
}

func (s *Server) pageUsers(c *fiber.Ctx) error {
	return s.renderUsers(c, func(*usersData) {})
}

// renderUsers shows the users page; set puts a refused form back.
func (s *Server) renderUsers(c *fiber.Ctx, set func(*usersData)) error {
	var after int64
	if v := c.Query("cursor"); v != "" {
		after, _ = strconv.ParseInt(v, 36, 64)
	}
	us, next, err := s.usersPage(c, after, 50)
	if err != nil {
		return err
	}
	regions, err := s.managedRegions(c, rbac.ObjGrant)
	if err != nil {
		return err
	}
	d := &usersData{Users: us, Next: cursor(next), Roles: process.Roles, Regions: regions, Me: principal(c).User.ID,
		Manage: s.pageAllowed(principal(c), need(rbac.ObjUser, rbac.ActManage))}
	set(d)
	return s.render(c, "admin_users", "admin.users.title", d)
}

// pageUserCreate creates a user with one grant, through newUser.
func (s *Server) pageUserCreate(c *fiber.Ctx) error {
	f := userForm{Username: c.FormValue("username"), DisplayName: c.FormValue("display_name"),
		Role: c.FormValue("role"), Region: c.FormValue("region")}
	_, err := s.newUser(c, userRequest{Username: f.Username, DisplayName: f.DisplayName,
		Password: c.FormValue("password"), Grants: []grantRequest{{Role: f.Role, Region: f.Region}}})
	if err != nil {
		probs, err := problemsOf(err)
		if err != nil {
			return err
		}
		c.Status(fiber.StatusUnprocessableEntity)
		return s.renderUsers(c, func(d *usersData) { d.Form, d.Problems = f, probs })
	}
	s.setFlash(c, "admin.flash.user_created")
	return c.Redirect("/admin/users", fiber.StatusSeeOther)
}

// pageUserSwitch disables or enables a user, through switchUser.
func (s *Server) pageUserSwitch(disabled bool) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if _, err := s.switchUser(c, disabled); err != nil {
			return err
		}
		s.setFlash(c, map[bool]string{true: "admin.flash.user_disabled", false: "admin.flash.user_enabled"}[disabled])
		return c.Redirect("/admin/users", fiber.StatusSeeOther)
	}
}

// pageUserPassword sets a user's new password, typed twice, through
// managedUser and setPassword as POST /api/v1/admin/users/:id/password.
func (s *Server) pageUserPassword(c *fiber.Ctx) error {
	u, err := s.managedUser(c)
	if err != nil {
		return err
	}
	password := c.FormValue("password")
	if password != c.FormValue("password2") {
		lang, _ := c.Locals("lang").(string)
		err = badField("password2", web.T(lang, "admin.users.password_mismatch"))
	} else {
		err = s.setPassword(c, u, password)
	}
	if err != nil {
		probs, err := problemsOf(err)
		if err != nil {
			return err
		}
		c.Status(fiber.StatusUnprocessableEntity)
		return s.renderUsers(c, func(d *usersData) { d.PasswordFor, d.PasswordProbs = u.ID, probs })
	}
	s.setFlash(c, "admin.flash.password_reset")
	return c.Redirect("/admin/users", fiber.StatusSeeOther)
}

// pageGrantAdd gives a user a role at a region, through grant.
func (s *Server) pageGrantAdd(c *fiber.Ctx) error {
	req := grantRequest{User: c.FormValue("user"), Role: c.FormValue("role"), Region: c.FormValue("region")}
	if _, err := s.grant(c, req); err != nil {
		probs, err := problemsOf(err)
		if err != nil {
			return err
		}
		c.Status(fiber.StatusUnprocessableEntity)
		return s.renderUsers(c, func(d *usersData) { d.GrantForm, d.GrantProbs = req, probs })
	}
	s.setFlash(c, "admin.flash.granted")
	return c.Redirect("/admin/users", fiber.StatusSeeOther)
}

// pageGrantRemove removes a grant, through revoke.
func (s *Server) pageGrantRemove(c *fiber.Ctx) error {
	if _, err := s.revoke(c); err != nil {
		return err
	}
	s.setFlash(c, "admin.flash.revoked")
	return c.Redirect("/admin/users", fiber.StatusSeeOther)
}

// regionsData is the regions page: the tree and the CSV import.
type regionsData struct {
	Roots    []*regionNode
	Manage   bool
	CSV      string
	Problems *formProblems
}

func (s *Server) pageRegions(c *fiber.Ctx) error {
	return s.renderRegions(c, "", nil)
}

func (s *Server) renderRegions(c *fiber.Ctx, csv string, probs *formProblems) error {
	roots, err := s.regionForest(c.UserContext())
	if err != nil {
		return err
	}
	return s.render(c, "admin_regions", "admin.regions.title", regionsData{Roots: roots, CSV: csv, Problems: probs,
		Manage: s.pageAllowed(principal(c), need(rbac.ObjRegion, rbac.ActManage))})
}

// pageRegionImport imports pasted CSV rows, through importCSV.
func (s *Server) pageRegionImport(c *fiber.Ctx) error {
	text := c.FormValue("csv")
	if _, err := s.importCSV(c, []byte(text)); err != nil {
		probs, err := problemsOf(err)
		if err != nil {
			return err
		}
		c.Status(fiber.StatusUnprocessableEntity)
		return s.renderRegions(c, text, probs)
	}
	s.setFlash(c, "admin.flash.imported")
	return c.Redirect("/admin/regions", fiber.StatusSeeOther)
}

// policiesData is the policies page: what each role may do.
type policiesData struct {
	Items    []store.Policy
	Roles    []string
	CanEdit  bool
	Form     store.Policy
	Problems *formProblems
}

func (s *Server) pagePolicies(c *fiber.Ctx) error {
	return s.renderPolicies(c, store.Policy{}, nil)
}

func (s *Server) renderPolicies(c *fiber.Ctx, f store.Policy, probs *formProblems) error {
	ps, err := s.store.Policies(c.UserContext())
	if err != nil {
		return err
	}
	p := principal(c)
	return s.render(c, "admin_policies", "admin.policies.title", policiesData{Items: ps, Roles: process.Roles,
		CanEdit: s.pageAllowed(p, need(rbac.ObjPolicy, rbac.ActManage)) && s.policyAdmin(p), Form: f, Problems: probs})
}

// pagePolicyChange adds or removes a policy, through allow or disallow.
func (s *Server) pagePolicyChange(add bool) fiber.Handler {
	return func(c *fiber.Ctx) error {
		p := store.Policy{Role: c.FormValue("role"), Object: c.FormValue("object"), Action: c.FormValue("action")}
		err := s.checkPolicy(c, p)
		if err == nil && add {
			err = s.allow(c, p)
		} else if err == nil {
			err = s.disallow(c, p)
		}
		if err != nil {
			probs, err := problemsOf(err)
			if err != nil {
				return err
			}
			c.Status(fiber.StatusUnprocessableEntity)
			return s.renderPolicies(c, p, probs)
		}
		s.setFlash(c, map[bool]string{true: "admin.flash.policy_added", false: "admin.flash.policy_removed"}[add])
		return c.Redirect("/admin/policies", fiber.StatusSeeOther)
	}
}
