package main

import (
	"fmt"
	"io"
	"log/slog"

	"github.com/assistflow/assistflow/cmd/assistflow/config"
	"github.com/assistflow/assistflow/store"
	"github.com/spf13/cobra"
)

// auditCommand groups the audit trail's maintenance commands.
func auditCommand(stdout, stderr io.Writer, env func(string) (string, bool)) *cobra.Command {
	a := &cobra.Command{Use: "audit", Short: "Inspect the tamper-evident audit trail"}
	a.AddCommand(command(auditVerify, "verify",
		"Recompute every audit chain; exit non-zero naming the first broken link",
		config.FlagsCommon, stdout, stderr, env))
	return a
}

// auditVerify prints each chain's length and head, then fails on the first
// link that does not hold, so a cron job or an auditor sees it in the exit
// status.
func auditVerify(cmd *cobra.Command, cfg config.Config, log *slog.Logger, out io.Writer) error {
	st, err := store.Open(cmd.Context(), cfg.DatabaseDSN(), log)
	if err != nil {
		return err
	}
	defer st.Close()
	rep, err := st.VerifyAudit(cmd.Context())
	if err != nil {
		return err
	}
	for _, c := range rep.Chains {
		name := c.Chain
		if name == "" {
			name = "(national)"
		}
		fmt.Fprintf(out, "chain %-28s events %6d  head %s\n", name, c.Events, c.Head)
	}
	if rep.Broken != nil {
		return rep.Broken
	}
	_, err = fmt.Fprintf(out, "audit trail intact: %d chain(s)\n", len(rep.Chains))
	return err
}
