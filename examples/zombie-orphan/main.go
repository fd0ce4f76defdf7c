// Command zombie-orphan runs the zombie-orphan demo: no zombies, and orphans adopted by a subreaper.
package main

import (
	"os"

	"mproc"
	"mproc/demo"
)

func main() {
	mproc.Main()
	os.Exit(demo.Program("zombie-orphan"))
}
