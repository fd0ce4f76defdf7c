package connection_test

import (
	"context"
	"fmt"
	"time"

	"mproc/connection"
)

// A listener and a client with the same key: the handshake passes both
// ways, then messages flow.
func Example() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	key := connection.WithAuthKey([]byte("secret"))
	l, err := connection.Listen("tcp", "127.0.0.1:0", key)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer l.Close()
	go func() {
		c, err := l.Accept(ctx)
		if err != nil {
			return
		}
		defer c.Close()
		var name string
		if c.Recv(ctx, &name) == nil {
			c.Send(ctx, "hello, "+name)
		}
	}()
	c, err := connection.Dial(ctx, "tcp", l.Addr().String(), key)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()
	c.Send(ctx, "gopher")
	var reply string
	if err := c.Recv(ctx, &reply); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(reply)
	// Output: hello, gopher
}
