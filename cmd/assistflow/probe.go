package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/spf13/cobra"
)

// probeCommand checks a health URL and exits non-zero unless it answers
// 200: the image is distroless (no shell, no curl), so container
// healthchecks call the binary itself.
func probeCommand(stdout io.Writer) *cobra.Command {
	return &cobra.Command{Use: "probe URL", Short: "Exit 0 when URL (e.g. http://127.0.0.1:8080/readyz) answers 200",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx, cancel := context.WithTimeout(cmd.Context(), 5*time.Second)
			defer cancel()
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, args[0], nil)
			if err != nil {
				return err
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				return err
			}
			defer resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				return fmt.Errorf("%s answered %d", args[0], resp.StatusCode)
			}
			_, err = fmt.Fprintln(stdout, "ok")
			return err
		}}
}
