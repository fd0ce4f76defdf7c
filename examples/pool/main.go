// Command pool runs the pool demo: Pool(3), apply one task after another vs apply_async three at a time, callbacks, map; the same three pids reused.
package main

import (
	"os"

	"mproc"
	"mproc/demo"
)

func main() {
	mproc.Main()
	os.Exit(demo.Program("pool"))
}
