// Command daemon runs the daemon demo: a daemon child ends with its parent and may not have children.
package main

import (
	"os"

	"mproc"
	"mproc/demo"
)

func main() {
	mproc.Main()
	os.Exit(demo.Program("daemon"))
}
