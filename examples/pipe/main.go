// Command pipe runs the pipe demo: parent and child greet each other through a Pipe; a one-way pipe; io.EOF when the other end closes.
package main

import (
	"os"

	"mproc"
	"mproc/demo"
)

func main() {
	mproc.Main()
	os.Exit(demo.Program("pipe"))
}
