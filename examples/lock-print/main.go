// Command lock-print runs the lock-print demo: three processes print to one terminal, interleaved without a Lock and in blocks with one.
package main

import (
	"os"

	"mproc"
	"mproc/demo"
)

func main() {
	mproc.Main()
	os.Exit(demo.Program("lock-print"))
}
