package main

import (
	"fmt"
	"io"
	"log/slog"

	"github.com/assistflow/assistflow/cmd/assistflow/config"
	"github.com/assistflow/assistflow/store"
	"github.com/spf13/cobra"
)

func migrateCommand(stdout, stderr io.Writer, env func(string) (string, bool)) *cobra.Command {
	m := &cobra.Command{Use: "migrate", Short: "Manage the application database schema"}
	sub := func(use, short string, fn func(cmd *cobra.Command, st *store.Store, out io.Writer) error) *cobra.Command {
		return command(func(cmd *cobra.Command, cfg config.Config, log *slog.Logger, out io.Writer) error {
			st, err := store.Open(cmd.Context(), cfg.DatabaseDSN(), log)
			if err != nil {
				return err
			}
			defer st.Close()
			return fn(cmd, st, out)
		}, use, short, config.FlagsCommon, stdout, stderr, env)
	}
	m.AddCommand(
		sub("up", "Apply every pending migration", func(cmd *cobra.Command, st *store.Store, out io.Writer) error {
			mg, err := st.Migrator()
			if err != nil {
				return err
			}
			applied, err := mg.Up(cmd.Context())
			if err != nil {
				return err
			}
			_, err = fmt.Fprintf(out, "applied %d migration(s); schema at version %d\n", len(applied), mg.Latest())
			return err
		}),
		sub("down", "Roll back the most recent migration", func(cmd *cobra.Command, st *store.Store, out io.Writer) error {
			mg, err := st.Migrator()
			if err != nil {
				return err
			}
			v, err := mg.Down(cmd.Context())
			if err != nil {
				return err
			}
			_, err = fmt.Fprintf(out, "rolled back version %d\n", v)
			return err
		}),
		sub("status", "List migrations and whether each is applied", func(cmd *cobra.Command, st *store.Store, out io.Writer) error {
			mg, err := st.Migrator()
			if err != nil {
				return err
			}
			list, err := mg.Status(cmd.Context())
			if err != nil {
				return err
			}
			for _, s := range list {
				state := "pending"
				if s.Applied {
					state = "applied"
				}
				fmt.Fprintf(out, "%5d  %-8s %s\n", s.Version, state, s.Name)
			}
			return nil
		}),
	)
	return m
}
