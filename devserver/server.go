package devserver

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/server/common/authorization"
	"go.temporal.io/server/common/cluster"
	"go.temporal.io/server/common/config"
	"go.temporal.io/server/common/dynamicconfig"
	"go.temporal.io/server/common/membership/static"
	sqliteplugin "go.temporal.io/server/common/persistence/sql/sqlplugin/sqlite"
	"go.temporal.io/server/common/primitives"
	sqliteschema "go.temporal.io/server/schema/sqlite"
	"go.temporal.io/server/temporal"
	"google.golang.org/protobuf/types/known/durationpb"
)

const clusterName = "active"

// Options configure the embedded server. Zero ports mean "pick a free one",
// except UIPort, where zero disables the Web UI (and a binary built with
// -tags noui has none to enable, see WebUIBuilt).
type Options struct {
	DatabaseFile     string // SQLite file; created with the schema when missing
	IP               string // bind address, default 127.0.0.1
	Port             int    // frontend gRPC port
	UIPort           int    // Temporal Web UI port; 0 = no UI
	Namespace        string
	Retention        time.Duration
	SearchAttributes map[string]enumspb.IndexedValueType
	Logger           *slog.Logger
}

// Server is a running embedded Temporal server.
type Server struct {
	server   temporal.Server
	ui       stopper // nil when the Web UI is off or not in this build
	frontend string
	uiURL    string
}

// Start creates the database and namespace when needed and starts every
// Temporal service in this process. It returns once the frontend accepts
// connections.
func Start(ctx context.Context, o Options) (*Server, error) {
	if o.DatabaseFile == "" || o.Namespace == "" || o.Logger == nil {
		return nil, errors.New("devserver: database file, namespace and logger are required")
	}
	if o.IP == "" {
		o.IP = "127.0.0.1"
	}
	if o.Port == 0 {
		p, err := FreePort(o.IP)
		if err != nil {
			return nil, err
		}
		o.Port = p
	}
	sqlConf, err := prepareDatabase(o)
	if err != nil {
		return nil, err
	}
	conf, err := serverConfig(o, sqlConf)
	if err != nil {
		return nil, err
	}
	srv, err := temporal.NewServer(serverOptions(o, conf)...)
	if err != nil {
		return nil, fmt.Errorf("devserver: build server: %w", err)
	}
	if err := srv.Start(); err != nil {
		return nil, fmt.Errorf("devserver: start server: %w", err)
	}
	s := &Server{server: srv, frontend: net.JoinHostPort(o.IP, strconv.Itoa(o.Port))}
	if o.UIPort != 0 {
		s.ui, s.uiURL = startUI(o, s.frontend)
	}
	if err := waitListening(ctx, s.frontend); err != nil {
		s.Stop()
		return nil, err
	}
	return s, nil
}

// FrontendAddress is the host:port SDK clients dial.
func (s *Server) FrontendAddress() string { return s.frontend }

// UIURL is the Web UI's address, or "" when the UI is disabled.
func (s *Server) UIURL() string { return s.uiURL }

// Stop shuts the UI and every Temporal service down.
func (s *Server) Stop() {
	if s.ui != nil {
		s.ui.Stop()
	}
	_ = s.server.Stop()
}

// stopper is the part of the Web UI server that Stop needs; it keeps the
// UI's packages out of this file, so a noui build does not link them.
type stopper interface{ Stop() }

// prepareDatabase creates the schema on a new file and the namespace when it
// is missing. Both are no-ops on an existing data dir.
func prepareDatabase(o Options) (*config.SQL, error) {
	conf := &config.SQL{
		PluginName:   sqliteplugin.PluginName,
		DatabaseName: o.DatabaseFile,
		ConnectAttributes: map[string]string{
			"mode":         "rwc",
			"journal_mode": "wal",
			"synchronous":  "1", // NORMAL: durable across process crashes under WAL
			"busy_timeout": "10000",
		},
	}
	if _, err := os.Stat(o.DatabaseFile); errors.Is(err, os.ErrNotExist) {
		if err := os.MkdirAll(filepath.Dir(o.DatabaseFile), 0o750); err != nil {
			return nil, fmt.Errorf("devserver: create data dir: %w", err)
		}
		if err := sqliteschema.SetupSchema(conf); err != nil {
			_ = os.Remove(o.DatabaseFile) // a half-made schema would block the next start
			return nil, fmt.Errorf("devserver: create schema: %w", err)
		}
	}
	ns, err := sqliteschema.NewNamespaceConfig(clusterName, o.Namespace, false, o.SearchAttributes)
	if err != nil {
		return nil, fmt.Errorf("devserver: namespace config: %w", err)
	}
	if o.Retention > 0 {
		ns.Detail.Config.Retention = durationpb.New(o.Retention)
	}
	if err := sqliteschema.CreateNamespaces(conf, ns); err != nil {
		return nil, fmt.Errorf("devserver: create namespace: %w", err)
	}
	return conf, nil
}

func serverConfig(o Options, sqlConf *config.SQL) (*config.Config, error) {
	frontendHTTP, err := FreePort(o.IP)
	if err != nil {
		return nil, err
	}
	var conf config.Config
	conf.Global.Membership.MaxJoinDuration = 30 * time.Second
	conf.Global.Membership.BroadcastAddress = o.IP
	conf.Persistence.DefaultStore = "sqlite"
	conf.Persistence.VisibilityStore = "sqlite"
	conf.Persistence.NumHistoryShards = 1
	conf.Persistence.DataStores = map[string]config.DataStore{"sqlite": {SQL: sqlConf}}
	addr := net.JoinHostPort(o.IP, strconv.Itoa(o.Port))
	conf.ClusterMetadata = &cluster.Config{
		FailoverVersionIncrement: 10,
		MasterClusterName:        clusterName,
		CurrentClusterName:       clusterName,
		ClusterInformation: map[string]cluster.ClusterInformation{clusterName: {
			Enabled:                true,
			InitialFailoverVersion: 1,
			RPCAddress:             addr,
			HTTPAddress:            net.JoinHostPort(o.IP, strconv.Itoa(frontendHTTP)),
			ClusterID:              "6b2d8a4e-0c1f-4f6a-9a53-2f6c3b1e7d90",
		}},
	}
	conf.DCRedirectionPolicy.Policy = "noop"
	conf.Services = map[string]config.Service{}
	for _, name := range []string{"frontend", "history", "matching", "worker"} {
		var svc config.Service
		svc.RPC.BindOnIP = o.IP
		if name == "frontend" {
			svc.RPC.GRPCPort, svc.RPC.HTTPPort = o.Port, frontendHTTP
		} else if svc.RPC.GRPCPort, err = FreePort(o.IP); err != nil {
			return nil, err
		}
		conf.Services[name] = svc
	}
	conf.Archival.History.State = "disabled"
	conf.Archival.Visibility.State = "disabled"
	conf.NamespaceDefaults.Archival.History.State = "disabled"
	conf.NamespaceDefaults.Archival.Visibility.State = "disabled"
	conf.PublicClient.HostPort = addr
	return &conf, nil
}

func serverOptions(o Options, conf *config.Config) []temporal.ServerOption {
	hosts := map[primitives.ServiceName]static.Hosts{}
	for name, svc := range map[primitives.ServiceName]string{
		primitives.FrontendService: "frontend", primitives.HistoryService: "history",
		primitives.MatchingService: "matching", primitives.WorkerService: "worker",
	} {
		port := conf.Services[svc].RPC.GRPCPort
		hosts[name] = static.SingleLocalHost(net.JoinHostPort(o.IP, strconv.Itoa(port)))
	}
	dyn := dynamicconfig.StaticClient{
		dynamicconfig.HistoryCacheHostLevelMaxSize.Key():                 8192,
		dynamicconfig.FrontendMaxNamespaceVisibilityRPSPerInstance.Key(): 100,
	}
	return []temporal.ServerOption{
		temporal.WithConfig(conf),
		temporal.ForServices(temporal.DefaultServices),
		temporal.WithStaticHosts(hosts),
		temporal.WithLogger(slogLogger{log: o.Logger.With("component", "temporal")}),
		temporal.WithAuthorizer(authorization.NewNoopAuthorizer()),
		temporal.WithClaimMapper(func(*config.Config) authorization.ClaimMapper {
			return authorization.NewNoopClaimMapper()
		}),
		temporal.WithDynamicConfigClient(dyn),
	}
}

// waitListening returns once addr accepts TCP connections.
func waitListening(ctx context.Context, addr string) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			return c.Close()
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("devserver: frontend %s not listening: %w", addr, ctx.Err())
		case <-tick.C:
		}
	}
}
