package server

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os"
	"sync"
)

// Chat is a line-based chat room: each line a client sends goes to every
// other client of the same server, prefixed with the sender's address
// ("127.0.0.1:52044: hello"), whatever process serves each of them. A
// client is greeted first with a line that names it and the pid serving
// it; once that line has come, it is in the room. Lines are at most 4 KiB.
var Chat = Register("chat", chat)

// maxChatLine bounds a chat line.
const maxChatLine = 4 << 10

func chat(ctx context.Context, c net.Conn) error {
	room, err := JoinRoom(ctx)
	if err != nil {
		return err
	}
	defer room.Close()
	who := c.RemoteAddr().String()
	if _, err := fmt.Fprintf(c, "* welcome %s (served by pid %d)\n", who, os.Getpid()); err != nil {
		return err
	}
	relayCtx, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() { relay(relayCtx, room, c) })
	defer wg.Wait()
	defer stop()
	sc := bufio.NewScanner(c)
	sc.Buffer(make([]byte, 0, 512), maxChatLine)
	for sc.Scan() {
		msg := make([]byte, 0, len(who)+2+len(sc.Bytes())+1)
		msg = append(append(append(append(msg, who...), ": "...), sc.Bytes()...), '\n')
		if err := room.Send(ctx, msg); err != nil {
			return err
		}
	}
	return sc.Err()
}

// relay writes the room's messages to the client.
func relay(ctx context.Context, room *Room, c net.Conn) {
	for {
		msg, err := room.Recv(ctx)
		if err != nil {
			return
		}
		if _, err := c.Write(msg); err != nil {
			return
		}
	}
}
