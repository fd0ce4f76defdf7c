// Command lifecycle runs the lifecycle demo: process states, exit codes, terminate and kill.
package main

import (
	"os"

	"mproc"
	"mproc/demo"
)

func main() {
	mproc.Main()
	os.Exit(demo.Program("lifecycle"))
}
