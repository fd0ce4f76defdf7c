package connection_test

import (
	"context"
	"fmt"
	"mproc/internal/testmain"
	"os"
	"testing"
	"time"

	"mproc"
	"mproc/connection"
)

type shmDialArg struct {
	Addr  string
	Key   []byte
	Plain bool // not WithSharedMemory
}

// shmDial dials with WithSharedMemory (unless Plain) and echoes on what it
// gets.
var shmDial = mproc.Register[shmDialArg, int]("test.conn.shmdial", func(ctx context.Context, a shmDialArg) (int, error) {
	opts := []connection.Option{connection.WithAuthKey(a.Key), connection.WithSharedMemory()}
	if a.Plain {
		opts = opts[:1]
	}
	c, err := connection.Dial(ctx, "unix", a.Addr, opts...)
	if err != nil {
		return 0, err
	}
	return echo(ctx, c)
})

// memfds counts this process's descriptors of shared memory.
func memfds(t *testing.T) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range ents {
		if link, _ := os.Readlink("/proc/self/fd/" + e.Name()); isSegmentLink(link) {
			n++
		}
	}
	return n
}

// With WithSharedMemory on both sides, a connection over a Unix socket
// moves to a pipe: the accepted end holds shared memory, messages go both
// ways, a Lock crosses, EOF comes when the child is done. A dialler that
// expects the move, against a listener that does not make it, fails.
func TestSharedMemoryUpgrade(t *testing.T) {
	testmain.NoChildLeft(t)
	ctx := ctxTimeout(t, 30*time.Second)
	key := []byte("k")
	l := listen(t, "unix", connection.WithAuthKey(key), connection.WithSharedMemory())
	before := memfds(t)
	p := testmain.StartChild(t, ctx, shmDial, shmDialArg{Addr: l.Addr().String(), Key: key})
	c, err := l.Accept(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if n := memfds(t); n < before+2 {
		t.Fatalf("the accepted end holds %d shared memory descriptors more than before, want a pipe's (2 or more)", n-before)
	}
	for i := range 3 {
		if err := c.Send(ctx, fmt.Sprint(i)); err != nil {
			t.Fatal(err)
		}
		var r string
		if err := c.Recv(ctx, &r); err != nil || r != fmt.Sprintf("%d from %d", i, p.Pid()) {
			t.Fatalf("%q, %v", r, err)
		}
	}
	c.Close()
	if n := waitOK(t, ctx, p); n != 3 {
		t.Fatalf("the child answered %d", n)
	}

	plain := listen(t, "unix")
	ch := acceptAsync(ctx, plain)
	go func() {
		if a := <-ch; a.err == nil {
			a.c.Send(ctx, "not a pipe end")
			a.c.Close()
		}
	}()
	if _, err := connection.Dial(ctx, "unix", plain.Addr().String(), connection.WithSharedMemory()); err == nil {
		t.Fatal("a dialler expecting shared memory took a plain connection")
	}
}

// benchRoundTrips measures round trips with a child that echoes.
func benchRoundTrips(b *testing.B, shm bool) {
	var opts []connection.Option
	if shm {
		opts = append(opts, connection.WithSharedMemory())
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	l, err := connection.Listen("unix", fmt.Sprintf("@mproc-bench-%d-%d", os.Getpid(), time.Now().UnixNano()), opts...)
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	p, err := shmDial.Start(ctx, shmDialArg{Addr: l.Addr().String(), Plain: !shm})
	if err != nil {
		b.Fatal(err)
	}
	c, err := l.Accept(ctx)
	if err != nil {
		b.Fatal(err)
	}
	var r string
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := c.Send(ctx, "ping"); err != nil {
			b.Fatal(err)
		}
		if err := c.Recv(ctx, &r); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	c.Close()
	if _, err := p.Wait(ctx); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkRoundTrip compares a round trip with a child over the Unix
// socket and over the shared-memory pipe it moves to.
func BenchmarkRoundTrip(b *testing.B) {
	b.Run("socket", func(b *testing.B) { benchRoundTrips(b, false) })
	b.Run("shm", func(b *testing.B) { benchRoundTrips(b, true) })
}
