// Command threadpool runs the threadpool demo: ThreadPoolExecutor(50) as mproc.NewGoExecutor(50): submit, add_done_callback, and the same Futures from a process pool.
package main

import (
	"os"

	"mproc"
	"mproc/demo"
)

func main() {
	mproc.Main()
	os.Exit(demo.Program("threadpool"))
}
