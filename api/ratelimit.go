package api

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
)

// loginWindow is the fixed window sign-in attempts are counted in.
const loginWindow = time.Minute

// loginLimit limits sign-in attempts per client address and account. The
// counts live in the database, not in this process, so the limit holds
// however many API processes a province runs behind its load balancer.
// Per account as well as per address: an office behind one NAT is not
// locked out by one person's typos.
func (s *Server) loginLimit(c *fiber.Ctx) error {
	var req loginRequest
	if strings.HasPrefix(c.Get(fiber.HeaderContentType), fiber.MIMEApplicationForm) {
		req.Username = c.FormValue("username") // the sign-in page
	} else {
		_ = json.Unmarshal(c.Body(), &req)
	}
	// The username is hashed: the bucket's length stays bounded whatever
	// is typed, and the table holds no account names.
	sum := sha256.Sum256([]byte(strings.ToLower(req.Username)))
	bucket := "login|" + c.IP() + "|" + hex.EncodeToString(sum[:16])
	now := s.cfg.Now()
	hits, reset, err := s.store.Hit(c.UserContext(), bucket, loginWindow, now)
	if err != nil {
		return err
	}
	if hits > s.cfg.LoginLimit {
		wait := max(1, int(math.Ceil(reset.Sub(now).Seconds())))
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(wait))
		return newProblem(fiber.StatusTooManyRequests, "登录尝试过于频繁，请稍后再试 (too many sign-in attempts; retry after "+
			strconv.Itoa(wait)+" s)")
	}
	return c.Next()
}
