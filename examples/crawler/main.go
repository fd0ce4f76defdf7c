// Command crawler runs the crawler demo: apply_async(get_page, callback=parse_page): pool workers fetch pages from a local HTTP server, the main process parses them.
package main

import (
	"os"

	"mproc"
	"mproc/demo"
)

func main() {
	mproc.Main()
	os.Exit(demo.Program("crawler"))
}
