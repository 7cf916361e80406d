package main

import (
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/assistflow/assistflow/cmd/assistflow/config"
	"github.com/spf13/cobra"
)

func rootCommand(stdout, stderr io.Writer, env func(string) (string, bool)) *cobra.Command {
	root := &cobra.Command{
		Use:           "assistflow",
		Short:         "Approval workflows for rural assistance programs",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.AddCommand(
		command(devCommand, "dev", "Run everything in one process: embedded Temporal, SQLite, API, worker, demo data",
			config.FlagsCommon|config.FlagsHTTP|config.FlagsDev, stdout, stderr, env),
		command(serveCommand, "serve", "Run the HTTP API against an external Temporal cluster",
			config.FlagsCommon|config.FlagsHTTP|config.FlagsTemporal|config.FlagsOIDC, stdout, stderr, env),
		command(workerCommand, "worker", "Run the Temporal workers (workflows and activities)",
			config.FlagsCommon|config.FlagsTemporal|config.FlagsWorker, stdout, stderr, env),
		migrateCommand(stdout, stderr, env),
		auditCommand(stdout, stderr, env),
		temporalCommand(stdout, stderr, env),
		probeCommand(stdout),
		benchCommand(stdout, stderr, env),
		&cobra.Command{Use: "version", Short: "Print the version", Args: cobra.NoArgs,
			RunE: func(cmd *cobra.Command, _ []string) error {
				_, err := fmt.Fprintf(stdout, "assistflow %s\n", version)
				return err
			}},
	)
	return root
}

// runFunc is a subcommand body with its configuration resolved.
type runFunc func(cmd *cobra.Command, cfg config.Config, log *slog.Logger, stdout io.Writer) error

// command binds the flag groups a subcommand uses and resolves flags,
// environment and validation before its body runs.
func command(fn runFunc, use, short string, groups int, stdout, stderr io.Writer, env func(string) (string, bool)) *cobra.Command {
	cfg := config.Default()
	cmd := &cobra.Command{Use: use, Short: short, Args: cobra.NoArgs}
	cfg.Bind(cmd.Flags(), groups)
	cmd.Long = short + "\n\nEvery flag can also be set by its environment variable: --http-addr is " +
		config.EnvName("http-addr") + "."
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		if err := config.ApplyEnv(cmd.Flags(), env); err != nil {
			return err
		}
		if err := cfg.Validate(); err != nil {
			return err
		}
		log := newLogger(cfg, stderr)
		log.Debug("configuration", "config", cfg.String())
		return fn(cmd, cfg, log, stdout)
	}
	return cmd
}

func newLogger(cfg config.Config, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(strings.ToUpper(cfg.LogLevel)))
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
