package api

import (
	"context"
	"encoding/json"
	"log/slog"
	"net"
	"strings"
	"time"

	"github.com/assistflow/assistflow/process"
	"github.com/assistflow/assistflow/store"
	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/limiter"
	"go.temporal.io/sdk/client"
)

// Config is what the API needs from its process.
type Config struct {
	Store     *store.Store
	Temporal  client.Client
	TaskQueue string
	Calendar  *process.Calendar
	JWTSecret []byte
	// OIDC, when set, also accepts tokens of an external issuer.
	OIDC   *OIDC
	JWTTTL time.Duration
	Checks []Check
	Blobs  Blobs
	Log    *slog.Logger
	Now    func() time.Time
	// LoginLimit is how many logins one client address may try a minute.
	LoginLimit int
}

// Server is the HTTP API.
type Server struct {
	cfg    Config
	app    *fiber.App
	store  *store.Store
	log    *slog.Logger
	routes []route
}

// route is one API operation: its handler, and what the OpenAPI document
// and the authorization layer need to know about it.
type route struct {
	method, path string
	handler      fiber.Handler
	public       bool
	summary      string
}

// New builds the API and its routes.
func New(cfg Config) *Server {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.JWTTTL == 0 {
		cfg.JWTTTL = 12 * time.Hour
	}
	if cfg.LoginLimit == 0 {
		cfg.LoginLimit = 20
	}
	s := &Server{cfg: cfg, store: cfg.Store, log: cfg.Log}
	s.app = fiber.New(fiber.Config{
		AppName:               "assistflow",
		DisableStartupMessage: true,
		BodyLimit:             MaxAttachment + 1<<20, // JSON bodies are held to 1 MB in decodeJSON
		ReadTimeout:           30 * time.Second,
		WriteTimeout:          60 * time.Second,
		IdleTimeout:           120 * time.Second,
		ErrorHandler:          s.errorHandler,
	})
	s.routes = s.table()
	s.mount()
	return s
}

func (s *Server) table() []route {
	return []route{
		{method: "GET", path: "/healthz", handler: s.healthz, public: true, summary: "Process is alive"},
		{method: "GET", path: "/readyz", handler: s.readyz, public: true, summary: "Database, Temporal and worker are ready"},
		{method: "GET", path: "/openapi.json", handler: s.openapi, public: true, summary: "This API's OpenAPI 3.1 document"},
		{method: "GET", path: "/docs", handler: s.docs, public: true, summary: "This API's reference page"},
		{method: "POST", path: "/api/v1/auth/login", handler: s.login, public: true, summary: "Sign in; returns a bearer token"},
		{method: "GET", path: "/api/v1/me", handler: s.me, summary: "The signed-in user and their roles"},
		{method: "POST", path: "/api/v1/cases", handler: s.createCase, summary: "Submit a case (Idempotency-Key header required)"},
		{method: "GET", path: "/api/v1/cases", handler: s.listCases, summary: "Cases the caller may see"},
		{method: "GET", path: "/api/v1/cases/:id", handler: s.getCase, summary: "One case with its stages and timeline"},
		{method: "POST", path: "/api/v1/cases/:id/withdraw", handler: s.withdrawCase, summary: "Withdraw an application"},
		{method: "POST", path: "/api/v1/cases/:id/materials", handler: s.supplyMaterials, summary: "Supply materials that were asked for"},
		{method: "POST", path: "/api/v1/cases/:id/objections", handler: s.objectCase, summary: "Object to a case on public notice"},
		{method: "POST", path: "/api/v1/cases/:id/attachments", handler: s.uploadAttachment, summary: "Upload evidence or materials (multipart field \"file\"; JPEG, PNG, GIF, WebP, PDF; at most 10 MB)"},
		{method: "GET", path: "/api/v1/cases/:id/attachments", handler: s.listAttachments, summary: "List a case's attachments"},
		{method: "GET", path: "/api/v1/cases/:id/attachments/:aid", handler: s.downloadAttachment, summary: "Download one attachment"},
		{method: "GET", path: "/api/v1/notices", handler: s.notices, summary: "The public notice board of a region"},
		{method: "GET", path: "/api/v1/tasks", handler: s.inbox, summary: "The caller's task inbox"},
		{method: "POST", path: "/api/v1/tasks/:id/claim", handler: s.claimTask, summary: "Claim a task"},
		{method: "POST", path: "/api/v1/tasks/:id/unclaim", handler: s.unclaimTask, summary: "Return a claimed task to the pool"},
		{method: "POST", path: "/api/v1/tasks/:id/delegate", handler: s.delegateTask, summary: "Hand a claimed task to an acting official until a time"},
		{method: "POST", path: "/api/v1/tasks/:id/decision", handler: s.decideTask, summary: "Decide a task"},
		{method: "POST", path: "/api/v1/tasks/decisions", handler: s.decideBatch, summary: "Decide up to 200 tasks at once"},
	}
}

func (s *Server) mount() {
	// Sign-in attempts are limited per account and client address: an
	// office behind one NAT is not locked out by one person's typos.
	login := limiter.New(limiter.Config{Max: s.cfg.LoginLimit, Expiration: time.Minute,
		KeyGenerator: func(c *fiber.Ctx) string {
			var req loginRequest
			_ = json.Unmarshal(c.Body(), &req)
			return c.IP() + "|" + strings.ToLower(req.Username)
		},
		LimitReached: func(c *fiber.Ctx) error {
			return newProblem(fiber.StatusTooManyRequests, "too many sign-in attempts; wait a minute")
		}})
	for _, r := range s.routes {
		handlers := []fiber.Handler{}
		if r.path == "/api/v1/auth/login" {
			handlers = append(handlers, login)
		}
		if !r.public {
			handlers = append(handlers, s.authenticate)
		}
		handlers = append(handlers, r.handler)
		s.app.Add(r.method, r.path, handlers...)
	}
	s.app.Use(func(c *fiber.Ctx) error { return newProblem(fiber.StatusNotFound, "no such route") })
}

// App exposes the Fiber app to tests (app.Test) and to pages.
func (s *Server) App() *fiber.App { return s.app }

// Serve accepts connections on ln until Shutdown.
func (s *Server) Serve(ln net.Listener) error { return s.app.Listener(ln) }

// Shutdown stops accepting requests and waits for running ones.
func (s *Server) Shutdown(ctx context.Context) error { return s.app.ShutdownWithContext(ctx) }
