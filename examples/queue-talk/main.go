// Command queue-talk runs the queue-talk demo: two children talk through one Queue.
package main

import (
	"os"

	"mproc"
	"mproc/demo"
)

func main() {
	mproc.Main()
	os.Exit(demo.Program("queue-talk"))
}
