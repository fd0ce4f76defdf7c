package bench

import (
	"context"

	"mproc/internal/platform"
)

// raiseNoFile refuses: the server groups run servers in child processes
// and size themselves by the descriptor limit (ulimit -n).
func raiseNoFile(context.Context, int) (uint64, error) {
	return 0, platform.Unsupported("the bench's server groups")
}
