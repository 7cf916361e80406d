package devserver

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestWebUI: asked for a UI port, the default build serves the Temporal Web
// UI there; a noui build (the production binary) starts the engine all the
// same, reports no UI address and listens on nothing extra.
func TestWebUI(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	uiPort, err := FreePort("127.0.0.1")
	require.NoError(t, err)
	s, err := Start(ctx, Options{DatabaseFile: filepath.Join(t.TempDir(), "temporal.db"),
		Namespace: "assistflow", UIPort: uiPort, Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	defer s.Stop()
	conn, err := net.DialTimeout("tcp", s.FrontendAddress(), time.Second)
	require.NoError(t, err, "the frontend answers in every build")
	require.NoError(t, conn.Close())

	uiAddr := net.JoinHostPort("127.0.0.1", strconv.Itoa(uiPort))
	if !WebUIBuilt {
		require.Empty(t, s.UIURL())
		_, err := net.DialTimeout("tcp", uiAddr, time.Second)
		require.Error(t, err, "a noui build must not listen on the UI port")
		return
	}
	require.Equal(t, fmt.Sprintf("http://%s", uiAddr), s.UIURL())
	require.Eventually(t, func() bool {
		resp, err := http.Get(s.UIURL())
		if err != nil {
			return false
		}
		_ = resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}, 30*time.Second, 100*time.Millisecond, "the Web UI answers on %s", uiAddr)
}
