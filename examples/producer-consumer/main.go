// Command producer-consumer runs the producer-consumer demo: producers and consumers through a Queue, ended by one None (nil) sentinel per consumer.
package main

import (
	"os"

	"mproc"
	"mproc/demo"
)

func main() {
	mproc.Main()
	os.Exit(demo.Program("producer-consumer"))
}
