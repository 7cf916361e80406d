package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/assistflow/assistflow/api"
)

// healthServer answers /healthz and /readyz for a worker, which has no API
// of its own: an orchestrator restarts a hung worker and holds a rollout
// until the new one reaches Temporal. The answers have the API's shape.
func healthServer(addr string, checks []api.Check, log *slog.Logger) (*http.Server, net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, nil, fmt.Errorf("listen on %s: %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{"status": "ok"})
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
		defer cancel()
		status, code := "ready", http.StatusOK
		results := map[string]any{}
		for _, ch := range checks {
			if err := ch.Run(ctx); err != nil {
				results[ch.Name] = map[string]string{"status": "fail", "error": err.Error()}
				status, code = "not ready", http.StatusServiceUnavailable
			} else {
				results[ch.Name] = map[string]string{"status": "ok"}
			}
		}
		writeJSON(w, code, map[string]any{"status": status, "checks": results})
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("health listener stopped", "error", err)
		}
	}()
	return srv, ln, nil
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}
