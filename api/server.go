package api

import (
	"context"
	"log/slog"
	"net"
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
}

// Server is the HTTP API.
type Server struct {
	cfg    Config
	app    *fiber.App
	store  *store.Store
	log    *slog.Logger
	routes []route
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

func (s *Server) mount() {
	// Security headers on every answer; a panic in a handler becomes a 500
	// problem instead of a dropped connection.
	s.app.Use(recover.New(), helmet.New(helmet.Config{
		ContentSecurityPolicy: "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:",
		HSTSMaxAge:            31536000,
	}))
	for _, r := range s.routes {
		handlers := []fiber.Handler{}
		if r.path == "/api/v1/auth/login" {
			handlers = append(handlers, s.loginLimit)
		}
		handlers = append(handlers, s.guard(r.access)...)
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
