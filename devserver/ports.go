package devserver

import (
	"fmt"
	"net"
)

// FreePort asks the kernel for a free TCP port on host. There is a short
// window in which another process could take it; for a dev server on
// loopback that is acceptable and it is how every embedded Temporal does it.
func FreePort(host string) (int, error) {
	l, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		return 0, fmt.Errorf("find free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
