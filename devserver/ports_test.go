package devserver

import (
	"net"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestFreePortCanBeBoundAtOnce: the port is reserved against ephemeral
// use (TIME_WAIT), yet the server that asked for it binds it right away,
// and the next call hands out a different port.
func TestFreePortCanBeBoundAtOnce(t *testing.T) {
	p, err := FreePort("127.0.0.1")
	require.NoError(t, err)
	l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(p)))
	require.NoError(t, err)
	defer l.Close()
	q, err := FreePort("127.0.0.1")
	require.NoError(t, err)
	require.NotEqual(t, p, q)
}
