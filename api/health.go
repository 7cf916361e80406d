package api

import (
	"context"
	"net/http"
	"time"

	"github.com/gofiber/fiber/v2"
)

// Check is one readiness check: nil means healthy.
type Check struct {
	Name string
	Run  func(ctx context.Context) error
}

// healthz answers while the process runs.
func (s *Server) healthz(c *fiber.Ctx) error {
	return c.JSON(fiber.Map{"status": "ok"})
}

// readyz runs every check and answers 503 naming the ones that fail.
func (s *Server) readyz(c *fiber.Ctx) error {
	ctx, cancel := context.WithTimeout(c.UserContext(), 3*time.Second)
	defer cancel()
	checks := fiber.Map{}
	status, code := "ready", http.StatusOK
	for _, ch := range s.cfg.Checks {
		if err := ch.Run(ctx); err != nil {
			checks[ch.Name] = fiber.Map{"status": "fail", "error": err.Error()}
			status, code = "not ready", http.StatusServiceUnavailable
		} else {
			checks[ch.Name] = fiber.Map{"status": "ok"}
		}
	}
	return c.Status(code).JSON(fiber.Map{"status": status, "checks": checks})
}
