// Command assistflow is the one binary of the product: `dev` runs
// everything in one process on embedded defaults; `serve` and `worker` run
// the API and the Temporal workers against an external cluster; `migrate`
// manages the schema. This package only wires the others together.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr, os.LookupEnv); err != nil {
		fmt.Fprintln(os.Stderr, "assistflow:", err)
		os.Exit(1)
	}
}

// run is the whole program; main only supplies the process's context,
// arguments, streams and environment.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, env func(string) (string, bool)) error {
	root := rootCommand(stdout, stderr, env)
	root.SetArgs(args)
	return root.ExecuteContext(ctx)
}
