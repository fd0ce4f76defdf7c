// Command lock-survives runs the lock-survives demo: a process killed holding a Lock passes it on with ErrOwnerDead, and the state is repaired.
package main

import (
	"os"

	"mproc"
	"mproc/demo"
)

func main() {
	mproc.Main()
	os.Exit(demo.Program("lock-survives"))
}
