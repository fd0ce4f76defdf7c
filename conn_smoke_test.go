package mproc_test

import (
	"context"
	"errors"
	"io"
	"path/filepath"
	"testing"
	"time"

	"mproc"
)

var pipeEcho = mproc.Register[*mproc.Conn, int]("csmoke.echo", func(ctx context.Context, c *mproc.Conn) (int, error) {
	n := 0
	for {
		b, err := c.RecvBytes(ctx)
		if err != nil {
			if errors.Is(err, io.EOF) {
				return n, nil
			}
			return n, err
		}
		if err := c.SendBytes(ctx, b); err != nil {
			return n, err
		}
		n++
	}
})

func TestSmokePipe(t *testing.T) {
	ctx := ctxTimeout(t, 30*time.Second)
	a, b, err := mproc.Pipe(true)
	if err != nil {
		t.Fatal(err)
	}
	p, err := pipeEcho.Start(ctx, b)
	if err != nil {
		t.Fatal(err)
	}
	b.Close()
	start := time.Now()
	const n = 20000
	for i := range n {
		if err := a.Send(ctx, i); err != nil {
			t.Fatal(err)
		}
		var got int
		if err := a.Recv(ctx, &got); err != nil || got != i {
			t.Fatalf("round %d: %d %v", i, got, err)
		}
	}
	t.Logf("round trip %v", time.Since(start)/n)
	big := make([]byte, 16<<20)
	for i := range big {
		big[i] = byte(i)
	}
	if err := a.SendBytes(ctx, big); err != nil {
		t.Fatal(err)
	}
	echoed, err := a.RecvBytes(ctx)
	if err != nil || len(echoed) != len(big) || echoed[12345] != big[12345] {
		t.Fatalf("16 MiB: %d bytes %v", len(echoed), err)
	}
	a.Close()
	got, err := p.Wait(ctx)
	if err != nil || got != n+1 {
		t.Fatalf("echo saw %d messages, %v", got, err)
	}
}

func TestSmokeListener(t *testing.T) {
	ctx := ctxTimeout(t, 30*time.Second)
	path := filepath.Join(t.TempDir(), "sock")
	l, err := mproc.Listen("unix", path, []byte("secret"))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if _, err := mproc.Listen("unix", path, nil); err == nil {
		t.Fatal("listened twice on one path")
	}
	done := make(chan error, 1)
	go func() {
		c, err := l.Accept(ctx)
		if err != nil {
			done <- err
			return
		}
		var s string
		err = c.Recv(ctx, &s)
		if err == nil && s != "hello" {
			err = errors.New("got " + s)
		}
		done <- err
	}()
	c, err := mproc.Dial(ctx, "unix", path, []byte("secret"))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Send(ctx, "hello"); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	go func() { _, err := l.Accept(ctx); done <- err }()
	if _, err := mproc.Dial(ctx, "unix", path, []byte("wrong")); !errors.Is(err, mproc.ErrAuthentication) {
		t.Fatalf("client with a wrong key: %v", err)
	}
	if err := <-done; !errors.Is(err, mproc.ErrAuthentication) {
		t.Fatalf("listener with a wrong key: %v", err)
	}

	tl, err := mproc.Listen("tcp", "localhost:0", []byte("k"))
	if err != nil {
		t.Fatal(err)
	}
	defer tl.Close()
	go func() {
		c, err := tl.Accept(ctx)
		if err == nil {
			err = c.SendBytes(ctx, []byte("over tcp"))
		}
		done <- err
	}()
	tc, err := mproc.Dial(ctx, "tcp", tl.Addr(), []byte("k"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := tc.RecvBytes(ctx)
	if err != nil || string(b) != "over tcp" {
		t.Fatalf("%q %v", b, err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
