// Command rlock runs the rlock demo: a re-entrant RLock taken twice by one process while another waits; a plain Lock cannot be; owners.
package main

import (
	"os"

	"mproc"
	"mproc/demo"
)

func main() {
	mproc.Main()
	os.Exit(demo.Program("rlock"))
}
