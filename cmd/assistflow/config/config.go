// Package config is the one configuration struct of the assistflow binary:
// its defaults, its flags, the ASSISTFLOW_* environment variables that set
// them, and a printable form with secrets masked.
//
// It lives beside cmd so that its tests stay fast: it imports no Temporal,
// database or HTTP package.
package config

import (
	"fmt"
	"net/url"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/spf13/pflag"
)

// EnvPrefix prefixes every environment variable: --http-addr is ASSISTFLOW_HTTP_ADDR.
const EnvPrefix = "ASSISTFLOW_"

// Config holds every setting of every subcommand; each subcommand binds the
// flags it uses.
type Config struct {
	DataDir  string
	HTTPAddr string
	// HealthAddr is where a worker answers /healthz and /readyz for its
	// orchestrator; the worker serves nothing else over HTTP.
	HealthAddr string
	Database   string // DSN; empty means <data-dir>/assistflow.db
	// DatabaseMaxConns caps the process's database connections; 0 keeps
	// the store's default (20 on PostgreSQL, 1 on SQLite).
	DatabaseMaxConns int
	LogFormat        string // text | json
	LogLevel         string // debug | info | warn | error
	// CalendarFile holds regional calendar overrides (JSON), e.g. a
	// county's own festival: [{"Region":"430721","Holidays":["2026-03-03"]}].
	CalendarFile string
	// MakerChecker makes publishing and activating a definition wait for a
	// second administrator's approval. Off by default (dev); serve turns it
	// on unless --maker-checker=false is given.
	MakerChecker bool
	// SecureCookies marks the web pages' cookies Secure even on plain
	// HTTP requests: set it when a proxy in front terminates TLS.
	SecureCookies bool

	Temporal Temporal
	JWT      JWT
	OIDC     OIDC
}

// OIDC lets serve accept tokens of an external identity provider.
type OIDC struct {
	Issuer        string
	JWKSURL       string
	Audience      string
	UsernameClaim string
}

// Temporal says where the engine is. In `dev` it runs in-process.
type Temporal struct {
	Address   string // host:port of an external frontend (serve, worker)
	Namespace string
	TaskQueue string
	Port      int           // dev: embedded frontend port, 0 = any free port
	UIPort    int           // dev: Web UI port, 0 = no UI
	Retention time.Duration // dev: how long closed workflow histories are kept
	TLSCA     string
	TLSCert   string
	TLSKey    string
	APIKey    string
}

// JWT signs and verifies API tokens.
type JWT struct {
	Secret string
	TTL    time.Duration
}

// Default returns the defaults documented in the README.
func Default() Config {
	return Config{
		DataDir:   "./data",
		HTTPAddr:  "127.0.0.1:8080",
		LogFormat: "text",
		LogLevel:  "info",
		Temporal: Temporal{
			Address:   "127.0.0.1:7233",
			Namespace: "assistflow",
			TaskQueue: "assistflow",
			Port:      7233,
			UIPort:    8233,
			Retention: 30 * 24 * time.Hour,
		},
		JWT: JWT{TTL: 12 * time.Hour},
	}
}

// Flag groups a subcommand can bind.
const (
	FlagsCommon    = 1 << iota // data dir, database, logging
	FlagsHTTP                  // http addr, JWT
	FlagsTemporal              // external Temporal connection
	FlagsDev                   // embedded Temporal ports and retention
	FlagsOIDC                  // external token issuer (serve)
	FlagsNamespace             // namespace retention (temporal setup)
	FlagsWorker                // worker health listener
)

// AllFlags binds every group; EnvNames uses it.
const AllFlags = FlagsCommon | FlagsHTTP | FlagsTemporal | FlagsDev | FlagsOIDC | FlagsNamespace | FlagsWorker

// Bind registers the flags of the given groups on fs, writing into c.
func (c *Config) Bind(fs *pflag.FlagSet, groups int) {
	if groups&FlagsCommon != 0 {
		fs.StringVar(&c.DataDir, "data-dir", c.DataDir, "directory for the SQLite files, keys and uploads")
		fs.StringVar(&c.Database, "database", c.Database, "application database: a SQLite file path or a postgres:// DSN (default <data-dir>/assistflow.db)")
		fs.IntVar(&c.DatabaseMaxConns, "database-max-conns", c.DatabaseMaxConns, "most database connections this process opens (0: 20 on PostgreSQL, 1 on SQLite)")
		fs.StringVar(&c.LogFormat, "log-format", c.LogFormat, "log format: text or json")
		fs.StringVar(&c.LogLevel, "log-level", c.LogLevel, "log level: debug, info, warn or error")
		fs.StringVar(&c.CalendarFile, "calendar-file", c.CalendarFile, "JSON file of regional holiday and working-day overrides")
	}
	if groups&FlagsHTTP != 0 {
		fs.StringVar(&c.HTTPAddr, "http-addr", c.HTTPAddr, "address the HTTP API and pages listen on")
		fs.StringVar(&c.JWT.Secret, "jwt-secret", c.JWT.Secret, "secret that signs API tokens (dev: generated and kept in the data dir)")
		fs.DurationVar(&c.JWT.TTL, "jwt-ttl", c.JWT.TTL, "lifetime of an API token")
		fs.BoolVar(&c.SecureCookies, "secure-cookies", c.SecureCookies, "mark the web pages' session cookies Secure (set when TLS ends at a proxy in front)")
		fs.BoolVar(&c.MakerChecker, "maker-checker", c.MakerChecker, "a second administrator must approve publishing and activating definitions (default: off in dev, on in serve)")
	}
	if groups&FlagsTemporal != 0 {
		fs.StringVar(&c.Temporal.Address, "temporal-address", c.Temporal.Address, "Temporal frontend host:port")
		fs.StringVar(&c.Temporal.TLSCA, "temporal-tls-ca", c.Temporal.TLSCA, "CA certificate file for the Temporal connection")
		fs.StringVar(&c.Temporal.TLSCert, "temporal-tls-cert", c.Temporal.TLSCert, "client certificate file for mTLS")
		fs.StringVar(&c.Temporal.TLSKey, "temporal-tls-key", c.Temporal.TLSKey, "client key file for mTLS")
		fs.StringVar(&c.Temporal.APIKey, "temporal-api-key", c.Temporal.APIKey, "API key for the Temporal connection")
	}
	if groups&(FlagsTemporal|FlagsDev) != 0 {
		fs.StringVar(&c.Temporal.Namespace, "temporal-namespace", c.Temporal.Namespace, "Temporal namespace")
		fs.StringVar(&c.Temporal.TaskQueue, "task-queue", c.Temporal.TaskQueue, "Temporal task queue of the approval workers")
	}
	if groups&FlagsOIDC != 0 {
		fs.StringVar(&c.OIDC.Issuer, "oidc-issuer", c.OIDC.Issuer, "accept bearer tokens of this OIDC issuer (iss claim)")
		fs.StringVar(&c.OIDC.JWKSURL, "oidc-jwks-url", c.OIDC.JWKSURL, "the issuer's JWKS URL")
		fs.StringVar(&c.OIDC.Audience, "oidc-audience", c.OIDC.Audience, "required aud claim (optional)")
		fs.StringVar(&c.OIDC.UsernameClaim, "oidc-username-claim", "preferred_username", "claim that names the local user")
	}
	if groups&FlagsDev != 0 {
		fs.IntVar(&c.Temporal.Port, "temporal-port", c.Temporal.Port, "embedded Temporal frontend port (0 picks a free port)")
		fs.IntVar(&c.Temporal.UIPort, "ui-port", c.Temporal.UIPort, "Temporal Web UI port (0 disables the UI)")
	}
	if groups&FlagsWorker != 0 {
		fs.StringVar(&c.HealthAddr, "health-addr", c.HealthAddr, "address of the worker's /healthz and /readyz (empty: none)")
	}
	if groups&(FlagsDev|FlagsNamespace) != 0 {
		fs.DurationVar(&c.Temporal.Retention, "retention", c.Temporal.Retention, "how long Temporal keeps closed workflow histories of the namespace")
	}
}

// ApplyEnv sets every flag not given on the command line from its
// ASSISTFLOW_* variable. lookup is os.LookupEnv outside tests.
func ApplyEnv(fs *pflag.FlagSet, lookup func(string) (string, bool)) error {
	var errs []string
	fs.VisitAll(func(f *pflag.Flag) {
		if f.Changed {
			return
		}
		name := EnvName(f.Name)
		if v, ok := lookup(name); ok {
			if err := fs.Set(f.Name, v); err != nil {
				errs = append(errs, fmt.Sprintf("%s=%q: %v", name, v, err))
			}
		}
	})
	if len(errs) > 0 {
		return fmt.Errorf("config: %s", strings.Join(errs, "; "))
	}
	return nil
}

// EnvNames lists every environment variable the binary reads, sorted, so
// deployment files can be checked against it.
func EnvNames() []string {
	c := Default()
	fs := pflag.NewFlagSet("env", pflag.ContinueOnError)
	c.Bind(fs, AllFlags)
	var out []string
	fs.VisitAll(func(f *pflag.Flag) { out = append(out, EnvName(f.Name)) })
	sort.Strings(out)
	return out
}

// EnvName is the environment variable of a flag.
func EnvName(flag string) string {
	return EnvPrefix + strings.ToUpper(strings.ReplaceAll(flag, "-", "_"))
}

// Validate checks values that flags cannot type-check.
func (c *Config) Validate() error {
	var errs []string
	if c.LogFormat != "text" && c.LogFormat != "json" {
		errs = append(errs, fmt.Sprintf("log-format %q: want text or json", c.LogFormat))
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		errs = append(errs, fmt.Sprintf("log-level %q: want debug, info, warn or error", c.LogLevel))
	}
	for name, p := range map[string]int{"temporal-port": c.Temporal.Port, "ui-port": c.Temporal.UIPort} {
		if p < 0 || p > 65535 {
			errs = append(errs, fmt.Sprintf("%s %d: want 0..65535", name, p))
		}
	}
	if c.DatabaseMaxConns < 0 {
		errs = append(errs, fmt.Sprintf("database-max-conns %d: want 0 or more", c.DatabaseMaxConns))
	}
	if (c.OIDC.Issuer == "") != (c.OIDC.JWKSURL == "") {
		errs = append(errs, "oidc-issuer and oidc-jwks-url go together")
	}
	if c.Temporal.Retention < 24*time.Hour {
		errs = append(errs, fmt.Sprintf("retention %s: want at least 24h", c.Temporal.Retention))
	}
	if len(errs) > 0 {
		return fmt.Errorf("config: %s", strings.Join(errs, "; "))
	}
	return nil
}

// DatabaseDSN is the app database to open: --database, or a SQLite file in
// the data dir.
func (c *Config) DatabaseDSN() string {
	if c.Database != "" {
		return c.Database
	}
	return filepath.Join(c.DataDir, "assistflow.db")
}

// TemporalDBFile is the embedded server's SQLite file, apart from the app's.
func (c *Config) TemporalDBFile() string { return filepath.Join(c.DataDir, "temporal.db") }

// String prints the configuration with secrets masked, for the start-up log.
func (c Config) String() string {
	c.JWT.Secret = mask(c.JWT.Secret)
	c.Temporal.APIKey = mask(c.Temporal.APIKey)
	c.Database = MaskDSN(c.Database)
	return fmt.Sprintf("%+v", struct {
		DataDir, HTTPAddr, Database, LogFormat, LogLevel string
		Temporal                                         Temporal
		JWT                                              JWT
	}{c.DataDir, c.HTTPAddr, c.Database, c.LogFormat, c.LogLevel, c.Temporal, c.JWT})
}

func mask(s string) string {
	if s == "" {
		return ""
	}
	return "******"
}

var kvPassword = regexp.MustCompile(`(password=)\S+`)

// MaskDSN hides the password of a postgres URL or key/value DSN.
func MaskDSN(dsn string) string {
	if u, err := url.Parse(dsn); err == nil && u.User != nil {
		if _, ok := u.User.Password(); ok {
			u.User = url.UserPassword(u.User.Username(), "******")
			return u.String()
		}
	}
	return kvPassword.ReplaceAllString(dsn, "${1}******")
}
