package bench

import (
	"context"

	"mproc/internal/platform"
)

// startEchoProgram refuses: the program's servers are stopped by process
// group.
func startEchoProgram(context.Context, string, string) (*runningServer, error) {
	return nil, platform.Unsupported("the servers benchmark's echo program (process groups)")
}
