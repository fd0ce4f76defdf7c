// Command counter runs the counter demo: 100 processes decrement a shared Value to 0 under its lock, atomically, and wrongly without either.
package main

import (
	"os"

	"mproc"
	"mproc/demo"
)

func main() {
	mproc.Main()
	os.Exit(demo.Program("counter"))
}
