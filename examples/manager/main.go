// Command manager runs the manager demo: a Manager process holds a dict; 10 processes set d[i] = 100, 100 decrement 'count' under its lock and then atomically.
package main

import (
	"os"

	"mproc"
	"mproc/demo"
)

func main() {
	mproc.Main()
	os.Exit(demo.Program("manager"))
}
