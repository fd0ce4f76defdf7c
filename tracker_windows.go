package mproc

import (
	"fmt"
	"os"

	"mproc/internal/spawn"
)

// runTracker can't run here, for the reason runChild can't.
func runTracker() int {
	fmt.Fprintln(os.Stderr, spawn.ErrUnsupported)
	return exitNoMain
}
