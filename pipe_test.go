//go:build unix

package mproc_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"slices"
	"sync"
	"syscall"
	"testing"
	"time"

	"mproc"
)

// ---- Children ----

type pingMsg struct {
	N    int
	S    string
	F    []float64
	Tags map[string]bool
}

type pongMsg struct {
	Double int
	Upper  string
	Sum    float64
	Pid    int
}

type sendAfterArg struct {
	C    *mproc.Conn
	Go   *mproc.Event
	Msgs [][]byte
	Sent *mproc.Event // optional: set once the messages are sent
}

type sendNArg struct {
	C *mproc.Conn
	N int
}

type oneWayResult struct {
	RecvErr, PollErr string
	Sent             int
}

var (
	// commPipeTyped answers each pingMsg with a pongMsg until EOF.
	commPipeTyped = mproc.Register[*mproc.Conn, int]("test.comm.pipe.typed", func(ctx context.Context, c *mproc.Conn) (int, error) {
		n := 0
		for {
			var m pingMsg
			err := c.Recv(ctx, &m)
			if isEOF(err) {
				return n, nil
			}
			if err != nil {
				return n, err
			}
			sum := 0.0
			for _, f := range m.F {
				sum += f
			}
			if !m.Tags["ok"] {
				return n, fmt.Errorf("message %d without its tags: %+v", n, m)
			}
			if err := c.Send(ctx, pongMsg{Double: 2 * m.N, Upper: m.S + "!", Sum: sum, Pid: mproc.Current().Pid()}); err != nil {
				return n, err
			}
			n++
		}
	})

	// commSendAfter waits for Go, sends Msgs, and then waits for EOF.
	commSendAfter = mproc.Register[sendAfterArg, mproc.None]("test.comm.pipe.sendafter", func(ctx context.Context, a sendAfterArg) error {
		if err := a.Go.Wait(ctx); err != nil {
			return err
		}
		for _, m := range a.Msgs {
			if err := a.C.SendBytes(ctx, m); err != nil {
				return err
			}
		}
		if a.Sent != nil {
			a.Sent.Set()
		}
		for {
			if _, err := a.C.RecvBytes(ctx); err != nil {
				if isEOF(err) {
					return nil
				}
				return err
			}
		}
	})

	// commSendN sends 0..N-1 and returns at once.
	commSendN = mproc.Register[sendNArg, mproc.None]("test.comm.pipe.sendn", func(ctx context.Context, a sendNArg) error {
		for i := range a.N {
			if err := a.C.Send(ctx, i); err != nil {
				return err
			}
		}
		return nil
	})

	// commOneWay gets the sending end of a one-way pipe: receiving on it
	// must fail; then it sends N messages.
	commOneWay = mproc.Register[sendNArg, oneWayResult]("test.comm.pipe.oneway", func(ctx context.Context, a sendNArg) (oneWayResult, error) {
		var r oneWayResult
		var v int
		if err := a.C.Recv(ctx, &v); err != nil {
			r.RecvErr = err.Error()
		}
		if _, err := a.C.Poll(ctx); err != nil {
			r.PollErr = err.Error()
		}
		for i := range a.N {
			if err := a.C.Send(ctx, i); err != nil {
				return r, err
			}
			r.Sent++
		}
		return r, nil
	})
)

// ---- Pipe ----

func TestPipe(t *testing.T) {
	noChildLeft(t)
	parallel(t, "DuplexTypedWithChild", testPipeDuplexTyped)
	parallel(t, "SameProcess", testPipeSameProcess)
	parallel(t, "Bytes", testPipeBytes)
	parallel(t, "RecvBytesIntoTooShort", testPipeBufferTooShort)
	parallel(t, "PollDoneCtx", testPipePollDoneCtx)
	parallel(t, "PollDeadline", testPipePollDeadline)
	parallel(t, "CloseGivesEOF", testPipeCloseEOF)
	parallel(t, "ChildExitGivesEOF", testPipeChildExitEOF)
	parallel(t, "KilledHolderGivesEOF", testPipeKilledHolderEOF)
	parallel(t, "OneWay", testPipeOneWay)
	parallel(t, "Message16MiB", testPipe16MiB)
	parallel(t, "ConcurrentSendersAndReceivers", testPipeConcurrent)
}

// Typed values both ways with a child: Recv decodes into the pointer.
func testPipeDuplexTyped(t *testing.T) {
	ctx := ctxTimeout(t, 30*time.Second)
	a, b := newPipe(t, true)
	p := startChild(t, ctx, commPipeTyped, b)
	b.Close()
	for i := range 30 {
		m := pingMsg{N: i, S: fmt.Sprint("s", i), F: []float64{float64(i), 0.5}, Tags: map[string]bool{"ok": true}}
		if err := a.Send(ctx, m); err != nil {
			t.Fatal(err)
		}
		var r pongMsg
		if err := a.Recv(ctx, &r); err != nil {
			t.Fatal(err)
		}
		if want := (pongMsg{Double: 2 * i, Upper: m.S + "!", Sum: float64(i) + 0.5, Pid: p.Pid()}); r != want {
			t.Fatalf("reply %d: %+v, want %+v", i, r, want)
		}
	}
	// Recv needs a non-nil pointer; the message is not lost by the refusal.
	if err := a.Send(ctx, pingMsg{N: 100, Tags: map[string]bool{"ok": true}}); err != nil {
		t.Fatal(err)
	}
	var r pongMsg
	if err := a.Recv(ctx, r); err == nil {
		t.Fatal("Recv into a non-pointer succeeded")
	}
	if err := a.Recv(ctx, (*pongMsg)(nil)); err == nil {
		t.Fatal("Recv into a nil pointer succeeded")
	}
	if err := a.Recv(ctx, &r); err != nil || r.Double != 200 {
		t.Fatalf("after the refused Recvs: %+v, %v", r, err)
	}
	// Values that cannot cross are refused before anything is sent.
	if err := a.Send(ctx, func() {}); !errors.Is(err, mproc.ErrUnencodable) {
		t.Fatalf("Send of a func: %v", err)
	}
	a.Close()
	if n := waitOK(t, ctx, p); n != 31 {
		t.Fatalf("the child answered %d messages, want 31", n)
	}
}

// Both ends in one process, each direction, values and bytes mixed.
func testPipeSameProcess(t *testing.T) {
	ctx := ctxTimeout(t, 30*time.Second)
	a, b := newPipe(t, true)
	if !a.Readable() || !a.Writable() || !b.Readable() || !b.Writable() {
		t.Fatal("a duplex end does not both send and receive")
	}
	if err := a.Send(ctx, []string{"x", "y"}); err != nil {
		t.Fatal(err)
	}
	if err := b.Send(ctx, map[string]int{"k": 1}); err != nil {
		t.Fatal(err)
	}
	if err := a.SendBytes(ctx, []byte("raw")); err != nil {
		t.Fatal(err)
	}
	var s []string
	if err := b.Recv(ctx, &s); err != nil || !slices.Equal(s, []string{"x", "y"}) {
		t.Fatalf("%v, %v", s, err)
	}
	var m map[string]int
	if err := a.Recv(ctx, &m); err != nil || m["k"] != 1 {
		t.Fatalf("%v, %v", m, err)
	}
	if raw, err := b.RecvBytes(ctx); err != nil || string(raw) != "raw" {
		t.Fatalf("%q, %v", raw, err)
	}
	// A value into the wrong type is an error, not a silent zero.
	if err := a.Send(ctx, "text"); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := b.Recv(ctx, &n); err == nil {
		t.Fatalf("a string received into an int: %d", n)
	}
}

// SendBytes, RecvBytes and RecvBytesInto, through a child that echoes.
func testPipeBytes(t *testing.T) {
	ctx := ctxTimeout(t, 30*time.Second)
	a, b := newPipe(t, true)
	p := startChild(t, ctx, commEcho, b)
	b.Close()
	msgs := [][]byte{[]byte("hello"), {}, patterned(1000, 1), patterned(600<<10, 2), {0}}
	for i, m := range msgs {
		if err := a.SendBytes(ctx, m); err != nil {
			t.Fatal(err)
		}
		got, err := a.RecvBytes(ctx)
		if err != nil || !bytes.Equal(got, m) {
			t.Fatalf("message %d: %d bytes, %v", i, len(got), err)
		}
	}
	buf := make([]byte, 1<<20)
	for i, m := range msgs {
		if err := a.SendBytes(ctx, m); err != nil {
			t.Fatal(err)
		}
		n, err := a.RecvBytesInto(ctx, buf)
		if err != nil || !bytes.Equal(buf[:n], m) {
			t.Fatalf("message %d into a buffer: %d bytes, %v", i, n, err)
		}
	}
	a.Close()
	if n := waitOK(t, ctx, p); n != 2*len(msgs) {
		t.Fatalf("echoed %d", n)
	}
}

// RecvBytesInto with a buffer too short gives the whole message in a
// *BufferTooShortError matching ErrBufferTooShort; the next message comes
// normally.
func testPipeBufferTooShort(t *testing.T) {
	ctx := ctxTimeout(t, 30*time.Second)
	a, b := newPipe(t, true)
	p := startChild(t, ctx, commEcho, b)
	b.Close()
	for _, size := range []int{11, 3 << 20} { // a whole frame; and one in pieces
		long := patterned(size, uint64(size))
		if err := a.SendBytes(ctx, long); err != nil {
			t.Fatal(err)
		}
		if err := a.SendBytes(ctx, []byte("next")); err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, 10)
		n, err := a.RecvBytesInto(ctx, buf)
		if !errors.Is(err, mproc.ErrBufferTooShort) {
			t.Fatalf("%d bytes into 10: n %d, %v", size, n, err)
		}
		var bts *mproc.BufferTooShortError
		if !errors.As(err, &bts) || !bytes.Equal(bts.Message, long) {
			t.Fatalf("%d bytes into 10: the error does not carry the message (%T)", size, err)
		}
		if n, err := a.RecvBytesInto(ctx, buf); err != nil || string(buf[:n]) != "next" {
			t.Fatalf("the message after: %q, %v", buf[:n], err)
		}
	}
	// Exactly the buffer's size fits.
	if err := a.SendBytes(ctx, []byte("0123456789")); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 10)
	if n, err := a.RecvBytesInto(ctx, buf); err != nil || n != 10 {
		t.Fatalf("a message the buffer's size: %d, %v", n, err)
	}
	a.Close()
	waitOK(t, ctx, p)
}

// Poll with a done ctx only looks: false at once while nothing came, true
// once a child has sent (and after EOF).
func testPipePollDoneCtx(t *testing.T) {
	ctx := ctxTimeout(t, 30*time.Second)
	a, b := newPipe(t, true)
	goEv := newEvent(t)
	p := startChild(t, ctx, commSendAfter, sendAfterArg{C: b, Go: goEv, Msgs: [][]byte{[]byte("late")}})
	b.Close()
	var ok bool
	var err error
	for range 3 {
		if took := timed(func() { ok, err = a.Poll(expired()) }); ok || !ctxEnded(err) || took > time.Second {
			t.Fatalf("Poll(done) on an empty pipe: %v, %v after %v", ok, err, took)
		}
	}
	goEv.Set()
	waitUntil(t, ctx, "Poll(done) sees the child's message", func() bool {
		ok, err := a.Poll(expired())
		if !ok && !ctxEnded(err) {
			t.Fatal(err)
		}
		return ok
	})
	if ok, err := a.Poll(expired()); !ok || err != nil {
		t.Fatalf("Poll(done) again: %v, %v (Poll must not take the message)", ok, err)
	}
	if m, err := a.RecvBytes(ctx); err != nil || string(m) != "late" {
		t.Fatalf("%q, %v", m, err)
	}
	if ok, err := a.Poll(expired()); ok || !ctxEnded(err) {
		t.Fatalf("Poll(done) after the message was taken: %v, %v", ok, err)
	}
	// Closing this end lets the child, waiting for EOF, end.
	a.Close()
	waitOK(t, ctx, p)
	if _, err := a.Poll(ctx); !errors.Is(err, mproc.ErrClosed) {
		t.Fatalf("Poll on a closed end: %v", err)
	}
}

// Poll with a deadline returns false and the deadline's error at about the
// deadline.
func testPipePollDeadline(t *testing.T) {
	ctx := ctxTimeout(t, 30*time.Second)
	a, _ := newPipe(t, true)
	const d = 300 * time.Millisecond
	var ok bool
	var err error
	took := timed(func() { ok, err = a.Poll(shortCtx(t, ctx, d)) })
	if ok || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Poll on an empty pipe: %v, %v", ok, err)
	}
	within(t, "Poll on an empty pipe", took, d-20*time.Millisecond, d+2*time.Second)
	// And true, before the deadline, when a message comes meanwhile.
	a2, b2 := newPipe(t, true)
	res := make(chan bool, 1)
	go func() { ok, _ := a2.Poll(shortCtx(t, ctx, 20*time.Second)); res <- ok }()
	stays(t, 30*time.Millisecond, "Poll waits", func() bool { return len(res) == 0 })
	if err := b2.SendBytes(ctx, []byte("x")); err != nil {
		t.Fatal(err)
	}
	if !receive(t, res, wakeBound, "Poll after a send") {
		t.Fatal("Poll returned false for a message")
	}
}

// Closing an end: the other end receives what was sent before, then
// io.EOF, again and again; Poll reports the end as ready.
func testPipeCloseEOF(t *testing.T) {
	ctx := ctxTimeout(t, 30*time.Second)
	a, b := newPipe(t, true)
	for i := range 3 {
		if err := a.Send(ctx, i); err != nil {
			t.Fatal(err)
		}
	}
	if err := a.SendBytes(ctx, patterned(600<<10, 9)); err != nil { // in pieces
		t.Fatal(err)
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	if err := a.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if err := a.Send(ctx, 9); !errors.Is(err, mproc.ErrClosed) {
		t.Fatalf("Send on a closed end: %v", err)
	}
	if _, err := a.RecvBytes(ctx); !errors.Is(err, mproc.ErrClosed) {
		t.Fatalf("RecvBytes on a closed end: %v", err)
	}
	for i := range 3 {
		var v int
		if err := b.Recv(ctx, &v); err != nil || v != i {
			t.Fatalf("message %d after the close: %d, %v", i, v, err)
		}
	}
	if m, err := b.RecvBytes(ctx); err != nil || checkPattern(m, 9) != nil || len(m) != 600<<10 {
		t.Fatalf("the large message after the close: %d bytes, %v", len(m), err)
	}
	for range 2 {
		if ok, err := b.Poll(expired()); !ok || err != nil {
			t.Fatalf("Poll at EOF: %v, %v", ok, err)
		}
		var v int
		if err := b.Recv(ctx, &v); !errors.Is(err, io.EOF) {
			t.Fatalf("Recv after the messages: %v, want io.EOF", err)
		}
		if _, err := b.RecvBytes(ctx); !errors.Is(err, io.EOF) {
			t.Fatalf("RecvBytes after the messages: %v, want io.EOF", err)
		}
	}
	// A receiver already waiting wakes with EOF.
	c, d := newPipe(t, true)
	errc := make(chan error, 1)
	go func() { _, err := d.RecvBytes(ctx); errc <- err }()
	stays(t, 30*time.Millisecond, "the receiver waits", func() bool { return len(errc) == 0 })
	c.Close()
	if err := receive(t, errc, wakeBound, "the waiting receiver"); !errors.Is(err, io.EOF) {
		t.Fatalf("a waiting receiver woke with %v", err)
	}
}

// A child that sends and exits: everything it sent arrives, then EOF.
func testPipeChildExitEOF(t *testing.T) {
	ctx := ctxTimeout(t, 30*time.Second)
	a, b := newPipe(t, false)
	const n = 500
	p := startChild(t, ctx, commSendN, sendNArg{C: b, N: n})
	b.Close()
	waitOK(t, ctx, p) // all sent before the child exited: no feeder
	for i := range n {
		var v int
		if err := a.Recv(ctx, &v); err != nil || v != i {
			t.Fatalf("message %d: %d, %v", i, v, err)
		}
	}
	var v int
	if err := a.Recv(ctx, &v); !errors.Is(err, io.EOF) {
		t.Fatalf("after the child's messages: %v, want io.EOF", err)
	}
}

// The process holding the other end is SIGKILLed (this process closed its
// own copy): what it sent still arrives, then EOF, also for a receiver
// already waiting.
func testPipeKilledHolderEOF(t *testing.T) {
	ctx := ctxTimeout(t, 30*time.Second)
	a, b := newPipe(t, true)
	goEv, sent := newEvent(t), newEvent(t)
	goEv.Set()
	p := startChild(t, ctx, commSendAfter, sendAfterArg{C: b, Go: goEv, Msgs: [][]byte{[]byte("one"), []byte("two")}, Sent: sent})
	b.Close()
	if err := sent.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	got := make(chan []byte, 3)
	errc := make(chan error, 1)
	go func() {
		for {
			m, err := a.RecvBytes(ctx)
			if err != nil {
				errc <- err
				return
			}
			got <- m
		}
	}()
	for _, want := range []string{"one", "two"} {
		if m := receive(t, got, wakeBound, "a message sent before the kill"); string(m) != want {
			t.Fatalf("got %q, want %q", m, want)
		}
	}
	stays(t, 30*time.Millisecond, "the receiver waits", func() bool { return len(errc) == 0 })
	killed := time.Now()
	p.Kill()
	if err := receive(t, errc, wakeBound, "the receiver after the kill"); !errors.Is(err, io.EOF) {
		t.Fatalf("the waiting receiver woke with %v, want io.EOF", err)
	}
	t.Logf("EOF %v after the kill", time.Since(killed))
	if _, err := a.RecvBytes(ctx); !errors.Is(err, io.EOF) {
		t.Fatalf("RecvBytes after EOF: %v", err)
	}
}

// A one-way pipe: the first end only receives, the second only sends, here
// and in a child.
func testPipeOneWay(t *testing.T) {
	ctx := ctxTimeout(t, 30*time.Second)
	r, w := newPipe(t, false)
	if !r.Readable() || r.Writable() || w.Readable() || !w.Writable() {
		t.Fatalf("directions: r %v/%v, w %v/%v", r.Readable(), r.Writable(), w.Readable(), w.Writable())
	}
	if err := r.Send(ctx, 1); !errors.Is(err, mproc.ErrWrongEnd) {
		t.Fatalf("Send on the receiving end: %v", err)
	}
	if err := r.SendBytes(ctx, []byte("x")); !errors.Is(err, mproc.ErrWrongEnd) {
		t.Fatalf("SendBytes on the receiving end: %v", err)
	}
	var v int
	if err := w.Recv(ctx, &v); !errors.Is(err, mproc.ErrWrongEnd) {
		t.Fatalf("Recv on the sending end: %v", err)
	}
	if _, err := w.RecvBytes(ctx); !errors.Is(err, mproc.ErrWrongEnd) {
		t.Fatalf("RecvBytes on the sending end: %v", err)
	}
	if _, err := w.RecvBytesInto(ctx, make([]byte, 8)); !errors.Is(err, mproc.ErrWrongEnd) {
		t.Fatalf("RecvBytesInto on the sending end: %v", err)
	}
	if _, err := w.Poll(expired()); !errors.Is(err, mproc.ErrWrongEnd) {
		t.Fatalf("Poll on the sending end: %v", err)
	}
	if ok, err := r.Poll(expired()); ok || !ctxEnded(err) {
		t.Fatalf("the refused sends left something: %v, %v", ok, err)
	}
	// The sending end in a child.
	p := startChild(t, ctx, commOneWay, sendNArg{C: w, N: 10})
	w.Close()
	res := waitOK(t, ctx, p)
	if res.RecvErr == "" || res.PollErr == "" || res.Sent != 10 {
		t.Fatalf("in the child: %+v", res)
	}
	for i := range 10 {
		if err := r.Recv(ctx, &v); err != nil || v != i {
			t.Fatalf("message %d: %d, %v", i, v, err)
		}
	}
	if err := r.Recv(ctx, &v); !errors.Is(err, io.EOF) {
		t.Fatalf("after the messages: %v", err)
	}
}

// A 16 MiB message goes to a child and back intact.
func testPipe16MiB(t *testing.T) {
	ctx := ctxTimeout(t, 60*time.Second)
	a, b := newPipe(t, true)
	p := startChild(t, ctx, commEcho, b)
	b.Close()
	big := patterned(16<<20, 16)
	for range 2 {
		if err := a.SendBytes(ctx, big); err != nil {
			t.Fatal(err)
		}
		back, err := a.RecvBytes(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(back, big) {
			t.Fatalf("16 MiB came back as %d bytes, different", len(back))
		}
	}
	// And as a typed value.
	if err := a.Send(ctx, big); err != nil {
		t.Fatal(err)
	}
	var v []byte
	if err := a.Recv(ctx, &v); err != nil || !bytes.Equal(v, big) {
		t.Fatalf("16 MiB as a value: %d bytes, %v", len(v), err)
	}
	a.Close()
	if n := waitOK(t, ctx, p); n != 3 {
		t.Fatalf("echoed %d", n)
	}
}

// Several goroutines send at once (some messages in pieces) through a
// child that echoes, and several receive: every message arrives whole,
// exactly once, and each sender's in order.
func testPipeConcurrent(t *testing.T) {
	ctx := ctxTimeout(t, 60*time.Second)
	a, b := newPipe(t, true)
	p := startChild(t, ctx, commEcho, b)
	b.Close()
	const senders, each = 6, 50
	size := func(s, i int) int {
		switch i % 10 {
		case 3:
			return 600 << 10 // more than half the 1 MiB buffer: crosses in pieces
		case 7:
			return 40 << 10
		}
		return 8 + (s*31+i*17)%200
	}
	msg := func(s, i int) []byte {
		m := patterned(size(s, i), uint64(s)<<32|uint64(i))
		binary.LittleEndian.PutUint64(m, uint64(s)<<32|uint64(i))
		return m
	}
	var wg sync.WaitGroup
	errs := make(chan error, senders+8)
	for s := range senders {
		wg.Go(func() {
			for i := range each {
				if err := a.SendBytes(ctx, msg(s, i)); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	var mu sync.Mutex
	seen := map[uint64]int{}
	var rg sync.WaitGroup
	for range 4 {
		rg.Go(func() {
			for {
				m, err := a.RecvBytes(ctx)
				if err != nil {
					errs <- err
					return
				}
				if len(m) < 8 {
					errs <- fmt.Errorf("a %d-byte message", len(m))
					return
				}
				id := binary.LittleEndian.Uint64(m)
				s, i := int(id>>32), int(uint32(id))
				if s >= senders || i >= each || !bytes.Equal(m, msg(s, i)) {
					errs <- fmt.Errorf("message (%d, %d) of %d bytes is torn or mixed", s, i, len(m))
					return
				}
				mu.Lock()
				seen[id]++
				done := len(seen) == senders*each
				mu.Unlock()
				if done {
					errs <- nil
				}
			}
		})
	}
	wg.Wait()
	if err := receive(t, errs, 50*time.Second, "the echoes"); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	for id, n := range seen {
		if n != 1 {
			t.Errorf("message %#x received %d times", id, n)
		}
	}
	mu.Unlock()
	a.Close() // the receivers end; the child sees EOF
	rg.Wait()
	if n := waitOK(t, ctx, p); n != senders*each {
		t.Fatalf("echoed %d", n)
	}
	// One sender's order, through one receiver.
	c, d := newPipe(t, true)
	var sg sync.WaitGroup
	for s := range 4 {
		sg.Go(func() {
			for i := range 200 {
				if err := c.Send(ctx, [2]int{s, i}); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	next := make([]int, 4)
	for range 4 * 200 {
		var v [2]int
		if err := d.Recv(ctx, &v); err != nil {
			t.Fatal(err)
		}
		if v[1] != next[v[0]] {
			t.Fatalf("sender %d: message %d after %d", v[0], v[1], next[v[0]]-1)
		}
		next[v[0]]++
	}
	sg.Wait()
}

// ---- Bug: a receive that times out in the middle of a large message ----

// A receive whose deadline passes while a large message is still crossing
// in pieces drops the pieces it took: the sender's SendBytes succeeds, but
// the message is never received. (The same ring.Get is under Queue.Get.)
func TestPipeRecvDeadlineMidMessage(t *testing.T) {
	noChildLeft(t)
	ctx := ctxTimeout(t, 30*time.Second)
	a, b := newPipe(t, true)
	goEv := newEvent(t)
	goEv.Set()
	big := patterned(3<<20, 3) // three times the pipe's buffer
	p := startChild(t, ctx, commSendAfter, sendAfterArg{C: b, Go: goEv, Msgs: [][]byte{big, []byte("after")}})
	b.Close()
	// The first piece is there: the child is in the middle of the message,
	// waiting for room. Stop it there.
	if ok, err := a.Poll(ctx); !ok || err != nil {
		t.Fatalf("Poll: %v, %v", ok, err)
	}
	if err := syscall.Kill(p.Pid(), syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	stopped := false
	defer func() {
		if !stopped {
			syscall.Kill(p.Pid(), syscall.SIGCONT)
		}
	}()
	waitUntil(t, ctx, "the child stopped", func() bool { st, _, _ := procStat(p.Pid()); return st == 'T' || st == 't' })
	// A receive with a short deadline, while the sender is stopped. It may
	// time out (then the message must come whole to the next receive), or
	// wait for the rest of the message past its deadline (then it returns
	// the message once the sender goes on); it must not lose it.
	type recvd struct {
		m   []byte
		err error
	}
	first := make(chan recvd, 1)
	short := shortCtx(t, ctx, 200*time.Millisecond)
	go func() { m, err := a.RecvBytes(short); first <- recvd{m, err} }()
	var r recvd
	select {
	case r = <-first:
	case <-time.After(time.Second + 200*time.Millisecond):
		t.Logf("the receive with a 200 ms deadline waits on for the rest of the message")
		syscall.Kill(p.Pid(), syscall.SIGCONT)
		stopped = true
		r = receive(t, first, wakeBound, "the receive after SIGCONT")
	}
	syscall.Kill(p.Pid(), syscall.SIGCONT)
	stopped = true
	if r.err != nil {
		if !errors.Is(r.err, context.DeadlineExceeded) {
			t.Fatalf("RecvBytes while the sender is stopped: %v", r.err)
		}
		r.m, r.err = a.RecvBytes(ctx)
		if r.err != nil {
			t.Fatal(r.err)
		}
	}
	if !bytes.Equal(r.m, big) {
		t.Errorf("after a receive timed out in the middle of the 3 MiB message, the next receive got %d bytes (%.8q...), not the message: it was lost", len(r.m), r.m)
	} else if m, err := a.RecvBytes(ctx); err != nil || string(m) != "after" {
		t.Fatalf("the message after: %q, %v", m, err)
	}
	a.Close()
	waitOK(t, ctx, p)
}
