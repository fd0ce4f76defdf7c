package bench

import (
	"context"

	"mproc/internal/platform"
)

// startPythonOnce refuses: CPython's servers are stopped by process group.
func startPythonOnce(context.Context, string, string, string) (*runningServer, error) {
	return nil, platform.Unsupported("CPython's comparison servers (process groups)")
}
