// Command threads runs the threads demo: threads share memory, processes don't; the number -= 1 race and its mutex fix; threading.local and thread names in Go.
package main

import (
	"os"

	"mproc"
	"mproc/demo"
)

func main() {
	mproc.Main()
	os.Exit(demo.Program("threads"))
}
