package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/assistflow/assistflow/cmd/assistflow/config"
	"github.com/assistflow/assistflow/workflows"
	"github.com/spf13/cobra"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"google.golang.org/protobuf/types/known/durationpb"
)

// setupTimeout bounds how long setup waits for a freshly registered
// namespace to become visible on the frontend (its cache refreshes on a timer).
const setupTimeout = 2 * time.Minute

func temporalCommand(stdout, stderr io.Writer, env func(string) (string, bool)) *cobra.Command {
	t := &cobra.Command{Use: "temporal", Short: "Prepare the Temporal cluster assistflow runs on"}
	t.AddCommand(command(temporalSetup, "setup",
		"Register the namespace and its search attributes; safe to run again (a deploy Job runs it on every release)",
		config.FlagsCommon|config.FlagsTemporal|config.FlagsNamespace, stdout, stderr, env))
	return t
}

// temporalSetup registers the namespace (if missing) and the search
// attributes the workflows set, then waits until both are usable: serve
// and worker may start right after it.
func temporalSetup(cmd *cobra.Command, cfg config.Config, log *slog.Logger, stdout io.Writer) error {
	ctx, cancel := context.WithTimeout(cmd.Context(), setupTimeout)
	defer cancel()
	c, err := dialTemporal(ctx, cfg, cfg.Temporal.Address, log)
	if err != nil {
		return err
	}
	defer c.Close()
	ns := cfg.Temporal.Namespace
	_, err = c.WorkflowService().RegisterNamespace(ctx, &workflowservice.RegisterNamespaceRequest{Namespace: ns,
		WorkflowExecutionRetentionPeriod: durationpb.New(cfg.Temporal.Retention)})
	var exists *serviceerror.NamespaceAlreadyExists
	switch {
	case err == nil:
		log.Info("namespace registered", "namespace", ns, "retention", cfg.Temporal.Retention)
	case errors.As(err, &exists):
		log.Info("namespace exists", "namespace", ns)
	default:
		return fmt.Errorf("register namespace %s: %w", ns, err)
	}
	if err := untilDone(ctx, log, func() error { return registerSearchAttributes(ctx, c, ns, log) }); err != nil {
		return fmt.Errorf("search attributes: %w", err)
	}
	if err := untilDone(ctx, log, func() error { return namespaceUsable(ctx, c, ns) }); err != nil {
		return fmt.Errorf("namespace %s not usable: %w", ns, err)
	}
	_, err = fmt.Fprintf(stdout, "temporal namespace %s ready\n", ns)
	return err
}

// untilDone retries fn (a fresh namespace is unknown to the frontend's cache
// for a few seconds) until it succeeds or ctx ends.
func untilDone(ctx context.Context, log *slog.Logger, fn func() error) error {
	for {
		err := fn()
		if err == nil {
			return nil
		}
		log.Debug("temporal setup step not done yet", "error", err)
		select {
		case <-ctx.Done():
			return err
		case <-time.After(time.Second):
		}
	}
}

// registerSearchAttributes adds the workflows' custom search attributes
// that the namespace lacks.
func registerSearchAttributes(ctx context.Context, c client.Client, namespace string, log *slog.Logger) error {
	ops := c.OperatorService()
	have, err := ops.ListSearchAttributes(ctx, &operatorservice.ListSearchAttributesRequest{Namespace: namespace})
	if err != nil {
		return err
	}
	missing := map[string]enumspb.IndexedValueType{}
	for name, typ := range workflows.SearchAttributes() {
		if _, ok := have.GetCustomAttributes()[name]; !ok {
			missing[name] = typ
		}
	}
	if len(missing) == 0 {
		return nil
	}
	_, err = ops.AddSearchAttributes(ctx, &operatorservice.AddSearchAttributesRequest{Namespace: namespace,
		SearchAttributes: missing})
	if err != nil {
		return err
	}
	log.Info("search attributes registered", "namespace", namespace, "count", len(missing))
	return nil
}

// namespaceUsable is true once the frontend answers a visibility query in
// the namespace that names our search attributes.
func namespaceUsable(ctx context.Context, c client.Client, namespace string) error {
	_, err := c.WorkflowService().CountWorkflowExecutions(ctx, &workflowservice.CountWorkflowExecutionsRequest{
		Namespace: namespace, Query: workflows.SACaseStatus.GetName() + " = 'submitted'"})
	return err
}
