// Command echoserve runs one of the Go echo servers the servers benchmark
// measures (see mproc/internal/echoserve): the bench builds it with
// CGO_ENABLED=0, as the README recommends, so that each child a process
// model starts is a child of a program the size of a user's server.
//
// Usage: echoserve NAME
package main

import (
	"os"

	"mproc"
	"mproc/internal/echoserve"
)

func main() {
	mproc.Main()
	os.Exit(echoserve.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
