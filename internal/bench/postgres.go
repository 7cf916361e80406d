package bench

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"strings"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
)

// freshPostgres creates a uniquely named database on the server adminDSN
// names and returns its DSN and a function that drops it.
func freshPostgres(ctx context.Context, adminDSN string) (string, func(), error) {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "assistflow_bench_" + hex.EncodeToString(b)
	admin, err := sql.Open("pgx", adminDSN)
	if err != nil {
		return "", nil, err
	}
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		_ = admin.Close()
		return "", nil, fmt.Errorf("create bench database: %w", err)
	}
	drop := func() {
		_, _ = admin.ExecContext(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
		_ = admin.Close()
	}
	if !strings.HasPrefix(adminDSN, "postgres://") && !strings.HasPrefix(adminDSN, "postgresql://") {
		return adminDSN + " dbname=" + name, drop, nil
	}
	u, err := url.Parse(adminDSN)
	if err != nil {
		drop()
		return "", nil, err
	}
	u.Path = "/" + name
	return u.String(), drop, nil
}
