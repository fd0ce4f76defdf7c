// Command tickets runs the tickets demo: 抢票, processes buy from a JSON file; oversold without a Lock, exactly the stock with one.
package main

import (
	"os"

	"mproc"
	"mproc/demo"
)

func main() {
	mproc.Main()
	os.Exit(demo.Program("tickets"))
}
