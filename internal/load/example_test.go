package load_test

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"time"

	"mproc/internal/load"
)

// upperEcho serves the seeds' echo protocol: each chunk read comes back
// upper-cased.
func upperEcho(ln net.Listener) {
	for {
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		go func() {
			defer conn.Close()
			buf := make([]byte, 1024)
			for {
				n, err := conn.Read(buf)
				if err != nil {
					return
				}
				if _, err := conn.Write(bytes.ToUpper(buf[:n])); err != nil {
					return
				}
			}
		}()
	}
}

func Example() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	defer ln.Close()
	go upperEcho(ln)

	res, err := load.Run(context.Background(), ln.Addr().String(),
		load.WithConns(4), load.WithDuration(100*time.Millisecond), load.WithSize(64))
	if err != nil {
		panic(err)
	}
	fmt.Printf("answered %d of %d clients, %d errors, some requests: %v\n",
		res.Answered, res.Conns, res.Errors, res.Requests > 0)
	// Output: answered 4 of 4 clients, 0 errors, some requests: true
}
