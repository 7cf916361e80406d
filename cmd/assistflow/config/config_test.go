package config

import (
	"testing"
	"time"

	"github.com/spf13/pflag"
	"github.com/stretchr/testify/require"
)

func parse(t *testing.T, groups int, args []string, env map[string]string) (Config, error) {
	t.Helper()
	c := Default()
	fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
	c.Bind(fs, groups)
	require.NoError(t, fs.Parse(args))
	if err := ApplyEnv(fs, func(k string) (string, bool) { v, ok := env[k]; return v, ok }); err != nil {
		return c, err
	}
	return c, c.Validate()
}

func TestFlagsEnvAndDefaults(t *testing.T) {
	all := FlagsCommon | FlagsHTTP | FlagsTemporal | FlagsDev
	for _, tc := range []struct {
		name  string
		args  []string
		env   map[string]string
		check func(t *testing.T, c Config)
	}{
		{"defaults", nil, nil, func(t *testing.T, c Config) {
			require.Equal(t, "./data", c.DataDir)
			require.Equal(t, "127.0.0.1:8080", c.HTTPAddr)
			require.Equal(t, 7233, c.Temporal.Port)
			require.Equal(t, "assistflow", c.Temporal.Namespace)
			require.Equal(t, 30*24*time.Hour, c.Temporal.Retention)
			require.Equal(t, "data/assistflow.db", c.DatabaseDSN())
			require.Equal(t, "data/temporal.db", c.TemporalDBFile())
		}},
		{"env sets a flag", nil, map[string]string{"ASSISTFLOW_HTTP_ADDR": "0.0.0.0:9000", "ASSISTFLOW_UI_PORT": "0"},
			func(t *testing.T, c Config) {
				require.Equal(t, "0.0.0.0:9000", c.HTTPAddr)
				require.Equal(t, 0, c.Temporal.UIPort)
			}},
		{"flag beats env", []string{"--data-dir", "/tmp/x"}, map[string]string{"ASSISTFLOW_DATA_DIR": "/tmp/y"},
			func(t *testing.T, c Config) {
				require.Equal(t, "/tmp/x", c.DataDir)
				require.Equal(t, "/tmp/x/assistflow.db", c.DatabaseDSN())
			}},
		{"explicit database", []string{"--database", "postgres://u:p@db/assistflow"}, nil, func(t *testing.T, c Config) {
			require.Equal(t, "postgres://u:p@db/assistflow", c.DatabaseDSN())
		}},
		{"durations", nil, map[string]string{"ASSISTFLOW_RETENTION": "720h", "ASSISTFLOW_JWT_TTL": "30m"},
			func(t *testing.T, c Config) {
				require.Equal(t, 720*time.Hour, c.Temporal.Retention)
				require.Equal(t, 30*time.Minute, c.JWT.TTL)
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := parse(t, all, tc.args, tc.env)
			require.NoError(t, err)
			tc.check(t, c)
		})
	}
}

func TestInvalidValues(t *testing.T) {
	all := FlagsCommon | FlagsHTTP | FlagsTemporal | FlagsDev
	for _, tc := range []struct {
		name string
		args []string
		env  map[string]string
		want string
	}{
		{"bad env int", nil, map[string]string{"ASSISTFLOW_TEMPORAL_PORT": "seven"}, "ASSISTFLOW_TEMPORAL_PORT"},
		{"bad env duration", nil, map[string]string{"ASSISTFLOW_RETENTION": "forever"}, "ASSISTFLOW_RETENTION"},
		{"bad log format", []string{"--log-format", "xml"}, nil, `log-format "xml"`},
		{"bad log level", []string{"--log-level", "loud"}, nil, `log-level "loud"`},
		{"port out of range", []string{"--ui-port", "70000"}, nil, "ui-port 70000"},
		{"short retention", []string{"--retention", "1h"}, nil, "retention 1h0m0s"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parse(t, all, tc.args, tc.env)
			require.ErrorContains(t, err, tc.want)
		})
	}
}

func TestGroupsBindOnlyTheirFlags(t *testing.T) {
	c := Default()
	fs := pflag.NewFlagSet("worker", pflag.ContinueOnError)
	c.Bind(fs, FlagsCommon|FlagsTemporal)
	require.NotNil(t, fs.Lookup("temporal-address"))
	require.Nil(t, fs.Lookup("http-addr"))
	require.Nil(t, fs.Lookup("ui-port"))
}

func TestStringMasksSecrets(t *testing.T) {
	c := Default()
	c.JWT.Secret = "s3cret-signing-key"
	c.Temporal.APIKey = "tk_live_abc"
	c.Database = "postgres://app:hunter2@db:5432/assistflow"
	out := c.String()
	require.NotContains(t, out, "s3cret-signing-key")
	require.NotContains(t, out, "tk_live_abc")
	require.NotContains(t, out, "hunter2")
	require.Contains(t, out, "app:")
	require.Equal(t, "host=db user=app password=****** dbname=x", MaskDSN("host=db user=app password=pw dbname=x"))
}

// TestEnvNames: the list deployment files are checked against holds every
// flag's variable and nothing else.
func TestEnvNames(t *testing.T) {
	names := EnvNames()
	require.Contains(t, names, "ASSISTFLOW_DATABASE")
	require.Contains(t, names, "ASSISTFLOW_TEMPORAL_API_KEY")
	require.Contains(t, names, "ASSISTFLOW_RETENTION")
	require.NotContains(t, names, "ASSISTFLOW_NO_SUCH_FLAG")
	require.IsIncreasing(t, names)
}
