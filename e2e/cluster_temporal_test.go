package e2e

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	"github.com/stretchr/testify/require"
)

// pgServer is the PostgreSQL server named by ASSISTFLOW_TEST_POSTGRES.
type pgServer struct {
	admin                      string // DSN of the administrative database
	host, port, user, password string
}

func parsePG(t *testing.T, admin string) pgServer {
	t.Helper()
	u, err := url.Parse(admin)
	require.NoError(t, err, "ASSISTFLOW_TEST_POSTGRES must be a postgres:// URL for the cluster test")
	pw, _ := u.User.Password()
	port := u.Port()
	if port == "" {
		port = "5432"
	}
	return pgServer{admin: admin, host: u.Hostname(), port: port, user: u.User.Username(), password: pw}
}

// createDB makes a uniquely named database, dropped when the test ends
// (after every process, whose cleanups run first), and returns its name.
func (pg pgServer) createDB(t *testing.T, prefix string) string {
	t.Helper()
	b := make([]byte, 5)
	_, err := rand.Read(b)
	require.NoError(t, err)
	name := prefix + "_" + hex.EncodeToString(b)
	db, err := sql.Open("pgx", pg.admin)
	require.NoError(t, err)
	_, err = db.Exec("CREATE DATABASE " + name)
	require.NoError(t, err)
	t.Cleanup(func() {
		_, err := db.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
		_ = db.Close()
		if err != nil {
			t.Errorf("drop database %s: %v", name, err)
		}
	})
	return name
}

// dsn is a URL DSN for database name.
func (pg pgServer) dsn(name string) string {
	u, _ := url.Parse(pg.admin)
	u.Path = "/" + name
	return u.String()
}

// buildTemporal builds the standalone Temporal server and its SQL tool
// (both `tool` entries of go.mod) into dir.
func buildTemporal(t *testing.T, dir string) (server, sqlTool string) {
	t.Helper()
	server, sqlTool = filepath.Join(dir, "temporal-server"), filepath.Join(dir, "temporal-sql-tool")
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i, b := range [][2]string{{server, "go.temporal.io/server/cmd/server"}, {sqlTool, "go.temporal.io/server/cmd/tools/sql"}} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cmd := exec.Command("go", "build", "-o", b[0], b[1])
			cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
			if out, err := cmd.CombinedOutput(); err != nil {
				errs[i] = fmt.Errorf("build %s: %w\n%s", b[1], err, out)
			}
		}()
	}
	wg.Wait()
	require.NoError(t, errs[0])
	require.NoError(t, errs[1])
	return server, sqlTool
}

// setupTemporalSchema creates the persistence and visibility schemas with
// the server's own SQL tool, exactly as an operator does.
func setupTemporalSchema(t *testing.T, sqlTool string, pg pgServer, store, visibility string) {
	t.Helper()
	for db, schema := range map[string]string{store: "postgresql/v12/temporal", visibility: "postgresql/v12/visibility"} {
		base := []string{"--plugin", "postgres12", "--ep", pg.host, "-p", pg.port, "-u", pg.user, "--pw", pg.password, "--db", db}
		runTool(t, sqlTool, nil, append(base, "setup-schema", "-v", "0.0")...)
		runTool(t, sqlTool, nil, append(base, "update-schema", "--schema-name", schema)...)
	}
}

// startTemporal writes a server config (PostgreSQL persistence, 4 history
// shards, free ports) and starts the server; it returns the frontend
// address. Readiness is left to `assistflow temporal setup`, which retries.
func startTemporal(t *testing.T, dir, server string, pg pgServer, store, visibility string) string {
	t.Helper()
	ports := make([]int, 9)
	for i := range ports {
		ports[i] = freePort(t)
	}
	// Membership ports are stored as smallint: they must stay below 32768,
	// under the kernel's range of ephemeral ports.
	for _, i := range []int{2, 4, 6, 8} {
		ports[i] = freeLowPort(t)
	}
	conf := fmt.Sprintf(temporalConfig, pg.datastore(store, 10), pg.datastore(visibility, 3),
		ports[0], ports[1], ports[2], ports[3], ports[4], ports[5], ports[6], ports[7], ports[8], ports[0])
	path := filepath.Join(dir, "temporal.yaml")
	require.NoError(t, os.WriteFile(path, []byte(conf), 0o600))
	startProc(t, dir, "temporal", "", server, nil, "--config-file", path, "--allow-no-auth", "start")
	return fmt.Sprintf("127.0.0.1:%d", ports[0])
}

// freeLowPort finds a free port below 32768.
func freeLowPort(t *testing.T) int {
	t.Helper()
	for range 100 {
		b := make([]byte, 2)
		_, err := rand.Read(b)
		require.NoError(t, err)
		port := 20000 + int(b[0])<<8%12000 + int(b[1])
		if l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port)); err == nil {
			_ = l.Close()
			return port
		}
	}
	t.Fatal("no free port below 32768")
	return 0
}

func (pg pgServer) datastore(db string, conns int) string {
	return fmt.Sprintf(`sql:
        pluginName: postgres12
        databaseName: %s
        connectAddr: "%s:%s"
        connectProtocol: tcp
        user: %q
        password: %q
        maxConns: %d
        maxIdleConns: %d
        maxConnLifetime: 1h`, db, pg.host, pg.port, pg.user, pg.password, conns, conns)
}

// temporalConfig is the server's YAML: one process running every service.
const temporalConfig = `log:
  stdout: true
  level: warn
persistence:
  defaultStore: default
  visibilityStore: visibility
  numHistoryShards: 4
  datastores:
    default:
      %s
    visibility:
      %s
global:
  membership:
    maxJoinDuration: 30s
    broadcastAddress: "127.0.0.1"
services:
  frontend:
    rpc: {grpcPort: %d, httpPort: %d, membershipPort: %d, bindOnLocalHost: true}
  matching:
    rpc: {grpcPort: %d, membershipPort: %d, bindOnLocalHost: true}
  history:
    rpc: {grpcPort: %d, membershipPort: %d, bindOnLocalHost: true}
  worker:
    rpc: {grpcPort: %d, membershipPort: %d, bindOnLocalHost: true}
clusterMetadata:
  enableGlobalNamespace: false
  failoverVersionIncrement: 10
  masterClusterName: active
  currentClusterName: active
  clusterInformation:
    active:
      enabled: true
      initialFailoverVersion: 1
      rpcName: frontend
      rpcAddress: "127.0.0.1:%d"
dcRedirectionPolicy:
  policy: noop
`

// queryInt runs a counting query on the app database.
func queryInt(t *testing.T, db *sql.DB, q string, args ...any) int {
	t.Helper()
	var n int
	require.NoError(t, db.QueryRowContext(context.Background(), q, args...).Scan(&n), q)
	return n
}
