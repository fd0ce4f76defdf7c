//go:build !linux

package server

import (
	"errors"
	"fmt"
	"net"
)

// peerCred needs SO_PEERCRED, Linux's: elsewhere a packet server cannot
// check who connected, and refuses the connection.
func peerCred(*net.UnixConn) (uid, pid int, err error) {
	return 0, 0, fmt.Errorf("server: the peer's credentials (SO_PEERCRED) are Linux's: %w", errors.ErrUnsupported)
}
