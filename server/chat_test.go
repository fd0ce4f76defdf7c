package server_test

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"mproc/server"
)

// A line from one client reaches every other client, prefixed with the
// sender, however the clients are spread over processes; the sender does
// not get its own line back.
func TestChatEveryModel(t *testing.T) {
	t.Parallel()
	for _, m := range []server.Model{server.Goroutine(), server.GoroutinePool(3), server.Process(), server.ProcessPool(3), server.Prefork(2)} {
		t.Run(m.String(), func(t *testing.T) {
			t.Parallel()
			ctx := ctxTimeout(t, 30*time.Second)
			srv := start(t, Chat(), m)
			var cs []*client
			pids := map[string]bool{}
			for range 3 {
				c := dial(t, ctx, srv.addr)
				welcome := c.line() // in the room once it has come
				if !strings.HasPrefix(welcome, "* welcome "+c.local()+" (served by pid ") {
					t.Fatalf("welcome %q", welcome)
				}
				pids[welcome[strings.LastIndexByte(welcome, ' ')+1:]] = true
				cs = append(cs, c)
			}
			if (m.String() == "process" || m.String() == "process-pool(3)") && len(pids) != 3 {
				t.Errorf("three clients served by %d processes", len(pids))
			}
			cs[0].send("hello from 0\n")
			for _, c := range cs[1:] {
				if got, want := c.line(), cs[0].local()+": hello from 0"; got != want {
					t.Errorf("got %q, want %q", got, want)
				}
			}
			cs[2].send("and from 2\n")
			// Client 0's next line is client 2's: not its own.
			for _, c := range cs[:2] {
				if got, want := c.line(), cs[2].local()+": and from 2"; got != want {
					t.Errorf("got %q, want %q", got, want)
				}
			}
			// A client that leaves is out of the room: the others go on.
			cs[1].c.Close()
			srv.rec.wait(t, ctx, "client 1 closed", connEvent(server.EventClosed, cs[1].local()))
			cs[0].send("bye\n")
			if got, want := cs[2].line(), cs[0].local()+": bye"; got != want {
				t.Errorf("got %q, want %q", got, want)
			}
		})
	}
}

// JoinRoom needs a handler's context; a room message has a size limit.
func TestRoomErrors(t *testing.T) {
	t.Parallel()
	if _, err := server.JoinRoom(context.Background()); !errors.Is(err, server.ErrNoRoom) {
		t.Errorf("JoinRoom outside a handler: %v", err)
	}
	ctx := ctxTimeout(t, 30*time.Second)
	srv := start(t, bigSay, server.Process())
	c := dial(t, ctx, srv.addr)
	if got := c.line(); !strings.Contains(got, server.ErrTooLarge.Error()) {
		t.Errorf("a 1 MiB Send: %q", got)
	}
}

var bigSay = server.Register("test-big-say", func(ctx context.Context, c net.Conn) error {
	room, err := server.JoinRoom(ctx)
	if err != nil {
		return err
	}
	defer room.Close()
	err = room.Send(ctx, make([]byte, 1<<20))
	_, werr := c.Write([]byte(errString(err) + "\n"))
	return werr
})

func errString(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}
