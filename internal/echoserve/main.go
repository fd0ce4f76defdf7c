package echoserve

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"os/signal"
	"syscall"
)

// Main runs the server named by args[0] on a loopback port: it writes the
// port's host:port and a newline to stdout, and serves until stdin ends
// (the parent's word to stop, or its death) or SIGTERM comes. It returns
// the exit code.
func Main(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) != 1 {
		fmt.Fprintf(stderr, "usage: echoserve NAME (one of %v)\n", Names())
		return 2
	}
	serve, ok := Lookup(args[0])
	if !ok {
		fmt.Fprintf(stderr, "echoserve: no server %q (one of %v)\n", args[0], Names())
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(stderr, "echoserve:", err)
		return 1
	}
	defer ln.Close()
	if _, err := fmt.Fprintln(stdout, ln.Addr()); err != nil {
		return 1
	}
	go func() {
		io.Copy(io.Discard, bufio.NewReader(stdin))
		cancel()
	}()
	if err := serve(ctx, ln); err != nil {
		fmt.Fprintln(stderr, "echoserve:", err)
		return 1
	}
	return 0
}
