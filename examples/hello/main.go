// Command hello runs the hello demo: start, join, pids and output order.
package main

import (
	"os"

	"mproc"
	"mproc/demo"
)

func main() {
	mproc.Main()
	os.Exit(demo.Program("hello"))
}
