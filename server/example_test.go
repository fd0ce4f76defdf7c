package server_test

import (
	"bufio"
	"context"
	"fmt"
	"net"

	"mproc/server"
)

// The seeds' Pool(4) echo server, with two workers, and one client.
func Example() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- server.Serve(ctx, ln, server.Echo, server.ProcessPool(2)) }()

	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		panic(err)
	}
	fmt.Fprintln(c, "hello from the client")
	reply, err := bufio.NewReader(c).ReadString('\n')
	fmt.Print(reply, err, "\n")
	c.Close()

	stop()                // Serve stops accepting; the connections left have their grace
	fmt.Println(<-served) // once every worker is reaped
	// Output:
	// HELLO FROM THE CLIENT
	// <nil>
	// context canceled
}
