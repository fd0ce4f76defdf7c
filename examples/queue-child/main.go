// Command queue-child runs the queue-child demo: a child puts data on a Queue for its parent, and 10 putters and 10 getters share a Queue(3).
package main

import (
	"os"

	"mproc"
	"mproc/demo"
)

func main() {
	mproc.Main()
	os.Exit(demo.Program("queue-child"))
}
