package server

import (
	"context"
	"net"

	"mproc/internal/platform"
)

// ListenReusePort is not available here: there is no SO_REUSEPORT, and
// no Prefork worker to share the address with. It returns an error
// matching errors.ErrUnsupported.
func ListenReusePort(context.Context, string, string) (net.Listener, error) {
	return nil, platform.Unsupported("listeners shared by processes (ListenReusePort, SO_REUSEPORT)")
}

func hasReusePort(net.Listener) bool { return false }
