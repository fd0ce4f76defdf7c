package connection_test

import (
	"context"
	"errors"
	"io"
	"mproc/internal/testmain"
	"slices"
	"testing"
	"time"

	"mproc"
	"mproc/connection"
)

type sendAfterArg struct {
	C   *mproc.Conn
	Go  *mproc.Event
	Msg []byte
}

// sendAfter waits for Go, sends Msg, and then waits for EOF.
var sendAfter = mproc.Register[sendAfterArg, mproc.None]("test.conn.wait.sendafter", func(ctx context.Context, a sendAfterArg) error {
	if err := a.Go.Wait(ctx); err != nil {
		return err
	}
	if err := a.C.SendBytes(ctx, a.Msg); err != nil {
		return err
	}
	for {
		if _, err := a.C.RecvBytes(ctx); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
	}
})

// Wait returns exactly the ends with something to receive, none when ctx
// ends first, and wakes when one becomes ready.
func TestWaitOnPipes(t *testing.T) {
	t.Parallel()
	testmain.NoChildLeft(t)
	ctx := ctxTimeout(t, 30*time.Second)
	var recv, send []*mproc.Conn
	for range 4 {
		a, b := newPipe(t, true)
		recv, send = append(recv, a), append(send, b)
	}
	for _, i := range []int{1, 3} {
		if err := send[i].SendBytes(ctx, []byte{byte(i)}); err != nil {
			t.Fatal(err)
		}
	}
	for _, wctx := range []context.Context{ctx, expired()} {
		ready, err := connection.Wait(wctx, recv...)
		if err != nil || !slices.Equal(ready, []*mproc.Conn{recv[1], recv[3]}) {
			t.Fatalf("Wait with two ready: %d ready (%v), %v", len(ready), ready, err)
		}
	}
	for _, i := range []int{1, 3} {
		if _, err := recv[i].RecvBytes(ctx); err != nil {
			t.Fatal(err)
		}
	}
	// None ready: none, and the deadline's error, at the deadline.
	const d = 200 * time.Millisecond
	var ready []*mproc.Conn
	var err error
	took := timed(func() { ready, err = connection.Wait(shortCtx(t, ctx, d), recv...) })
	if len(ready) != 0 || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Wait with none ready: %v, %v", ready, err)
	}
	within(t, "Wait with none ready", took, d-20*time.Millisecond, d+2*time.Second)
	if ready, err := connection.Wait(expired(), recv...); len(ready) != 0 || !ctxEnded(err) {
		t.Fatalf("Wait(done) with none ready: %v, %v", ready, err)
	}
	// A child sends on one of them while Wait waits.
	a, b := newPipe(t, true)
	goEv := newEvent(t)
	p := testmain.StartChild(t, ctx, sendAfter, sendAfterArg{C: b, Go: goEv, Msg: []byte("now")})
	b.Close()
	all := append(slices.Clone(recv), a)
	res := make(chan []*mproc.Conn, 1)
	go func() {
		r, err := connection.Wait(shortCtx(t, ctx, 20*time.Second), all...)
		if err != nil {
			t.Error(err)
		}
		res <- r
	}()
	stays(t, 50*time.Millisecond, "Wait waits", func() bool { return len(res) == 0 })
	set := time.Now()
	goEv.Set()
	r := receive(t, res, wakeBound, "Wait after the child's send")
	if !slices.Equal(r, []*mproc.Conn{a}) {
		t.Fatalf("Wait returned %d ends, want the child's only", len(r))
	}
	t.Logf("Wait woke %v after the child was told to send", time.Since(set))
	if m, err := a.RecvBytes(ctx); err != nil || string(m) != "now" {
		t.Fatalf("%q, %v", m, err)
	}
	a.Close()
	waitOK(t, ctx, p)
	// An end whose peer is gone counts as ready (a receive won't wait).
	send[0].Close()
	if ready, err := connection.Wait(ctx, recv...); err != nil || !slices.Equal(ready, []*mproc.Conn{recv[0]}) {
		t.Fatalf("Wait with one end at EOF: %v, %v", ready, err)
	}
}
