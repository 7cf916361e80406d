package api

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"time"

	"github.com/assistflow/assistflow/rbac"
	"github.com/assistflow/assistflow/store"
	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/helmet"
	"github.com/gofiber/fiber/v2/middleware/recover"
	"go.temporal.io/sdk/client"
)

// Config is what the API needs from its process.
type Config struct {
	Store     *store.Store
	Temporal  client.Client
	TaskQueue string
	JWTSecret []byte
	// OIDC, when set, also accepts tokens of an external issuer.
	OIDC   *OIDC
	JWTTTL time.Duration
	Checks []Check
	// Authz judges every route and every object against roles and regions.
	Authz *rbac.Authorizer
	Blobs Blobs
	Log   *slog.Logger
	Now   func() time.Time
	// LoginLimit is how many sign-ins one client address may try a minute
	// for one account, counted across every API process (in the database).
	LoginLimit int
	// MakerChecker turns publishing and activating a definition into a
	// request that a second administrator approves before it takes effect.
	MakerChecker bool
	// SecureCookies marks the pages' cookies Secure even when the request
	// arrived over plain HTTP (TLS ends at a proxy in front of serve).
	SecureCookies bool
	// RequestTimeout bounds the work of one request (database queries,
	// Temporal calls) through its context; default 60 s.
	RequestTimeout time.Duration
}

// Server is the HTTP API.
type Server struct {
	cfg    Config
	app    *fiber.App
	store  *store.Store
	log    *slog.Logger
	routes []route
	// pages are the parsed page templates by language and name;
	// pageRoutes the page table (pages.go).
	pages      pageSet
	pageRoutes []pageRoute
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
	if cfg.RequestTimeout == 0 {
		cfg.RequestTimeout = 60 * time.Second
	}
	s := &Server{cfg: cfg, store: cfg.Store, log: cfg.Log}
	pages, err := loadPages()
	if err != nil {
		// The templates are embedded at build time: a parse error is a
		// programming error that every test run catches.
		panic(fmt.Sprintf("api: page templates: %v", err))
	}
	s.pages = pages
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

func (s *Server) mount() {
	// Security headers on every answer; a panic in a handler becomes a 500
	// problem instead of a dropped connection.
	s.app.Use(recover.New(), helmet.New(helmet.Config{
		ContentSecurityPolicy: "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:",
		HSTSMaxAge:            31536000,
	}), s.deadline)
	for _, r := range s.routes {
		handlers := []fiber.Handler{}
		if r.path == "/api/v1/auth/login" {
			handlers = append(handlers, s.loginLimit)
		}
		handlers = append(handlers, s.guard(r.access)...)
		handlers = append(handlers, r.handler)
		s.app.Add(r.method, r.path, handlers...)
	}
	s.mountPages(s.loginLimit)
	s.app.Use(func(c *fiber.Ctx) error {
		// A person who mistyped a page address gets a page, not JSON.
		if !strings.HasPrefix(c.Path(), "/api/") && strings.Contains(c.Get(fiber.HeaderAccept), "text/html") {
			if err := s.loadSession(c); err != nil {
				return err
			}
			return store.ErrNotFound
		}
		return newProblem(fiber.StatusNotFound, "no such route")
	})
}

// deadline gives every request's context a deadline: a stuck database or
// Temporal call ends with an error instead of holding a connection and a
// goroutine forever (the server's Read/WriteTimeout only bound the socket).
func (s *Server) deadline(c *fiber.Ctx) error {
	ctx, cancel := context.WithTimeout(c.UserContext(), s.cfg.RequestTimeout)
	defer cancel()
	c.SetUserContext(ctx)
	return c.Next()
}

// App exposes the Fiber app to tests (app.Test) and to pages.
func (s *Server) App() *fiber.App { return s.app }

// Serve accepts connections on ln until Shutdown.
func (s *Server) Serve(ln net.Listener) error { return s.app.Listener(ln) }

// Shutdown stops accepting requests and waits for running ones.
func (s *Server) Shutdown(ctx context.Context) error { return s.app.ShutdownWithContext(ctx) }
