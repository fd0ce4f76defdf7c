// Command queue-basics runs the queue-basics demo: Queue(3) in one process: put, put_nowait raising Full, FIFO get, get_nowait raising Empty, timeouts.
package main

import (
	"os"

	"mproc"
	"mproc/demo"
)

func main() {
	mproc.Main()
	os.Exit(demo.Program("queue-basics"))
}
