// Command isolation runs the isolation demo: a global changed in a child is unchanged in the parent.
package main

import (
	"os"

	"mproc"
	"mproc/demo"
)

func main() {
	mproc.Main()
	os.Exit(demo.Program("isolation"))
}
