package mproc

import (
	"fmt"
	"os"

	"mproc/internal/spawn"
)

// runChild can't run here: no mproc parent starts children on this
// system, so this process was started by hand with the child's variable.
func runChild(string) int {
	fmt.Fprintln(os.Stderr, spawn.ErrUnsupported)
	return exitNoMain
}
