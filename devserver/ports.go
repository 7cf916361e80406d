package devserver

import (
	"fmt"
	"net"
)

// FreePort asks the kernel for a free TCP port on host and reserves it for
// a while. A port that is merely listened on and closed goes straight back
// to the ephemeral pool, where any process's next outgoing connection may
// take it before our server binds it (a restart in the e2e suite once died
// on "address already in use" that way). So the port also carries one
// connection that our side closes first: the port then sits in TIME_WAIT,
// which the kernel skips when it picks ephemeral ports, while a listener
// with SO_REUSEADDR (every Go listener) may still bind it.
func FreePort(host string) (int, error) {
	l, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		return 0, fmt.Errorf("find free port: %w", err)
	}
	defer l.Close()
	port := l.Addr().(*net.TCPAddr).Port
	accepted := make(chan net.Conn, 1)
	go func() {
		c, err := l.Accept()
		if err != nil {
			c = nil
		}
		accepted <- c
	}()
	dialed, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		return port, nil // the port is free all the same, only not reserved
	}
	if c := <-accepted; c != nil {
		_ = c.Close() // our end closes first and keeps the TIME_WAIT
	}
	_ = dialed.Close()
	return port, nil
}
