// Command joinable runs the joinable demo: a JoinableQueue with daemon consumers; q.join() waits for every task_done, and the daemons end with main.
package main

import (
	"os"

	"mproc"
	"mproc/demo"
)

func main() {
	mproc.Main()
	os.Exit(demo.Program("joinable"))
}
