// Command join runs the join demo: join in a list takes the longest child, join in turn the sum.
package main

import (
	"os"

	"mproc"
	"mproc/demo"
)

func main() {
	mproc.Main()
	os.Exit(demo.Program("join"))
}
