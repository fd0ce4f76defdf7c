// Command gevent runs the gevent demo: gevent spawn, sleep and joinall as goroutines: the total time is the longest wait, not the sum.
package main

import (
	"os"

	"mproc"
	"mproc/demo"
)

func main() {
	mproc.Main()
	os.Exit(demo.Program("gevent"))
}
