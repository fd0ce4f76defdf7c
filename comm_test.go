package mproc_test

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"testing"
	"time"

	"mproc"
)

// ---- Helpers shared by the tests of queues, pipes and listeners ----

// newQueue makes a queue that is closed when the test ends.
func newQueue[T any](t *testing.T, maxsize int, opts ...mproc.QueueOption) *mproc.Queue[T] {
	t.Helper()
	q, err := mproc.NewQueue[T](maxsize, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { q.Close() })
	return q
}

// newPipe makes a pipe whose ends are closed when the test ends.
func newPipe(t *testing.T, duplex bool) (*mproc.Conn, *mproc.Conn) {
	t.Helper()
	a, b, err := mproc.Pipe(duplex)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close(); b.Close() })
	return a, b
}

// shortCtx is a context that ends after d (and with the test).
func shortCtx(t *testing.T, ctx context.Context, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(ctx, d)
	t.Cleanup(cancel)
	return ctx
}

// pattern fills b with bytes derived from seed, so that a torn, shifted or
// mixed-up message is detected by checkPattern.
func pattern(b []byte, seed uint64) {
	x := seed*0x9e3779b97f4a7c15 + 0x632be59bd9b4e019
	i := 0
	for ; i+8 <= len(b); i += 8 {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		binary.LittleEndian.PutUint64(b[i:], x)
	}
	for ; i < len(b); i++ {
		b[i] = byte(seed) ^ byte(i)
	}
}

// patterned returns n bytes of pattern(seed).
func patterned(n int, seed uint64) []byte {
	b := make([]byte, n)
	pattern(b, seed)
	return b
}

// checkPattern reports where b differs from pattern(seed) of its length, or
// nil.
func checkPattern(b []byte, seed uint64) error {
	want := patterned(len(b), seed)
	for i := range b {
		if b[i] != want[i] {
			return fmt.Errorf("%d-byte message with seed %d differs at byte %d", len(b), seed, i)
		}
	}
	return nil
}

// isEOF reports whether err is the end of a connection.
func isEOF(err error) bool { return errors.Is(err, io.EOF) }

// ---- Children ----

type passStruct struct {
	Tag string
	Q   *mproc.Queue[string]
	C   *mproc.Conn
}

type lockViaQueueArg struct {
	Q       *mproc.Queue[*mproc.Lock]
	Waiting *mproc.Event
	Counter *mproc.Value[int64]
}

type lockViaQueueResult struct {
	LockedOnArrival bool
	TryLockFailed   bool
}

var (
	// commEcho sends back every message it receives until EOF and returns
	// how many it echoed.
	commEcho = mproc.Register[*mproc.Conn, int]("test.comm.echo", echoLoop)

	// commPutString puts its name on the queue it is given.
	commPutString = mproc.Register[*mproc.Queue[string], mproc.None]("test.comm.pass.queuearg", func(ctx context.Context, q *mproc.Queue[string]) error {
		return q.Put(ctx, fmt.Sprintf("from child %d", os.Getpid()))
	})

	// commPassStruct takes a queue and a pipe end inside a struct: it gets a
	// string from the queue and sends it back, tagged, on the pipe; then it
	// puts on the queue what the pipe brings.
	commPassStruct = mproc.Register[passStruct, mproc.None]("test.comm.pass.struct", func(ctx context.Context, a passStruct) error {
		s, err := a.Q.Get(ctx)
		if err != nil {
			return err
		}
		if err := a.C.Send(ctx, a.Tag+":"+s); err != nil {
			return err
		}
		var back string
		if err := a.C.Recv(ctx, &back); err != nil {
			return err
		}
		return a.Q.Put(ctx, a.Tag+":"+back)
	})

	// commConnViaQueue gets a pipe end out of a queue and echoes on it.
	commConnViaQueue = mproc.Register[*mproc.Queue[*mproc.Conn], int]("test.comm.pass.connviaqueue", func(ctx context.Context, q *mproc.Queue[*mproc.Conn]) (int, error) {
		c, err := q.Get(ctx)
		if err != nil {
			return 0, err
		}
		defer c.Close()
		return echoLoop(ctx, c)
	})

	// commConnViaConn receives a pipe end on the pipe it was given and echoes
	// on the received one.
	commConnViaConn = mproc.Register[*mproc.Conn, int]("test.comm.pass.connviaconn", func(ctx context.Context, ctl *mproc.Conn) (int, error) {
		var c *mproc.Conn
		if err := ctl.Recv(ctx, &c); err != nil {
			return 0, err
		}
		if c == nil {
			return 0, errors.New("received a nil Conn")
		}
		defer c.Close()
		n, err := echoLoop(ctx, c)
		if err == nil {
			err = ctl.Send(ctx, "done")
		}
		return n, err
	})

	// commLockViaQueue gets a lock out of a queue, reports what it sees,
	// then waits for it and counts once it holds it.
	commLockViaQueue = mproc.Register[lockViaQueueArg, lockViaQueueResult]("test.comm.pass.lockviaqueue", func(ctx context.Context, a lockViaQueueArg) (lockViaQueueResult, error) {
		l, err := a.Q.Get(ctx)
		if err != nil {
			return lockViaQueueResult{}, err
		}
		r := lockViaQueueResult{LockedOnArrival: mproc.Locked(l), TryLockFailed: !l.TryLock()}
		a.Waiting.Set()
		if err := l.LockContext(ctx); err != nil {
			return r, err
		}
		a.Counter.Add(1)
		l.Unlock()
		return r, nil
	})

	// commUseEverything uses a queue, a joinable queue, a simple queue and a
	// pipe end it is given.
	commUseEverything = mproc.Register[everyComm, mproc.None]("test.comm.useeverything", func(ctx context.Context, e everyComm) error {
		if err := e.Q.Put(ctx, 1); err != nil {
			return err
		}
		if err := e.JQ.Put(ctx, 2); err != nil {
			return err
		}
		if err := e.SQ.Put(ctx, 3); err != nil {
			return err
		}
		return e.C.Send(ctx, 4)
	})
)

// echoLoop sends back every message c brings until EOF.
func echoLoop(ctx context.Context, c *mproc.Conn) (int, error) {
	n := 0
	for {
		b, err := c.RecvBytes(ctx)
		if isEOF(err) {
			return n, nil
		}
		if err != nil {
			return n, err
		}
		if err := c.SendBytes(ctx, b); err != nil {
			return n, err
		}
		n++
	}
}

// roundTrips sends n typed messages on c and checks that each comes back.
func roundTrips(t *testing.T, ctx context.Context, c *mproc.Conn, n int) {
	t.Helper()
	for i := range n {
		if err := c.Send(ctx, fmt.Sprintf("message %d", i)); err != nil {
			t.Fatalf("send %d: %v", i, err)
		}
		var s string
		if err := c.Recv(ctx, &s); err != nil || s != fmt.Sprintf("message %d", i) {
			t.Fatalf("round trip %d: %q, %v", i, s, err)
		}
	}
}

// ---- Passing queues and connections ----

func TestCommPassing(t *testing.T) {
	noChildLeft(t)
	parallel(t, "QueueAsArgument", testPassQueueArg)
	parallel(t, "QueueAndConnInStruct", testPassStruct)
	parallel(t, "ConnAsArgument", testPassConnArg)
	parallel(t, "ConnThroughQueue", testPassConnThroughQueue)
	parallel(t, "ConnThroughConn", testPassConnThroughConn)
	parallel(t, "LockThroughQueue", testPassLockThroughQueue)
	parallel(t, "HeldLockFromDeadChildThroughQueue", testPassLockFromChild)
	parallel(t, "QueueMadeInChild", testPassQueueBack)
}

// A Queue given to Start is the same queue in the child.
func testPassQueueArg(t *testing.T) {
	ctx := ctxTimeout(t, 30*time.Second)
	q := newQueue[string](t, 0)
	p := startChild(t, ctx, commPutString, q)
	waitOK(t, ctx, p)
	s, err := q.Get(ctx)
	if want := fmt.Sprintf("from child %d", p.Pid()); err != nil || s != want {
		t.Fatalf("got %q, %v; want %q", s, err, want)
	}
}

// A Queue and a Conn end inside a struct argument both work in the child.
func testPassStruct(t *testing.T) {
	ctx := ctxTimeout(t, 30*time.Second)
	q := newQueue[string](t, 0)
	a, b := newPipe(t, true)
	if err := q.Put(ctx, "hello"); err != nil {
		t.Fatal(err)
	}
	p := startChild(t, ctx, commPassStruct, passStruct{Tag: "kid", Q: q, C: b})
	var s string
	if err := a.Recv(ctx, &s); err != nil || s != "kid:hello" {
		t.Fatalf("from the pipe: %q, %v", s, err)
	}
	if err := a.Send(ctx, "pong"); err != nil {
		t.Fatal(err)
	}
	waitOK(t, ctx, p)
	if s, err := q.Get(ctx); err != nil || s != "kid:pong" {
		t.Fatalf("from the queue: %q, %v", s, err)
	}
}

// A Conn end given to Start talks to the end left here.
func testPassConnArg(t *testing.T) {
	ctx := ctxTimeout(t, 30*time.Second)
	a, b := newPipe(t, true)
	p := startChild(t, ctx, commEcho, b)
	b.Close()
	roundTrips(t, ctx, a, 50)
	a.Close()
	if n := waitOK(t, ctx, p); n != 50 {
		t.Fatalf("the child echoed %d messages, want 50", n)
	}
}

// A Conn end put on a Queue works in the child that gets it.
func testPassConnThroughQueue(t *testing.T) {
	ctx := ctxTimeout(t, 30*time.Second)
	q := newQueue[*mproc.Conn](t, 0)
	p := startChild(t, ctx, commConnViaQueue, q)
	a, b := newPipe(t, true)
	if err := q.Put(ctx, b); err != nil {
		t.Fatal(err)
	}
	b.Close() // the child's copy is the only one left: EOF comes when it closes
	roundTrips(t, ctx, a, 20)
	a.Close()
	if n := waitOK(t, ctx, p); n != 20 {
		t.Fatalf("the child echoed %d messages, want 20", n)
	}
}

// A Conn end sent through another Conn works in the child that receives it.
func testPassConnThroughConn(t *testing.T) {
	ctx := ctxTimeout(t, 30*time.Second)
	ctl, ctlChild := newPipe(t, true)
	p := startChild(t, ctx, commConnViaConn, ctlChild)
	ctlChild.Close()
	a, b := newPipe(t, true)
	if err := ctl.Send(ctx, b); err != nil {
		t.Fatal(err)
	}
	b.Close()
	roundTrips(t, ctx, a, 20)
	a.Close() // the child sees EOF on the end it received, and reports on ctl
	var s string
	if err := ctl.Recv(ctx, &s); err != nil || s != "done" {
		t.Fatalf("on the control pipe: %q, %v", s, err)
	}
	if n := waitOK(t, ctx, p); n != 20 {
		t.Fatalf("the child echoed %d messages, want 20", n)
	}
}

// A Lock put on a Queue is the same lock in the child that gets it.
func testPassLockThroughQueue(t *testing.T) {
	ctx := ctxTimeout(t, 30*time.Second)
	q := newQueue[*mproc.Lock](t, 0)
	l := newLock(t)
	arg := lockViaQueueArg{Q: q, Waiting: newEvent(t), Counter: newValue[int64](t, 0)}
	l.Lock()
	if err := q.Put(ctx, l); err != nil {
		t.Fatal(err)
	}
	p := startChild(t, ctx, commLockViaQueue, arg)
	if err := arg.Waiting.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	stays(t, 50*time.Millisecond, "the child waits for the lock held here", func() bool { return arg.Counter.Load() == 0 })
	l.Unlock()
	r := waitOK(t, ctx, p)
	if !r.LockedOnArrival || !r.TryLockFailed {
		t.Fatalf("the child saw the lock held here as %+v", r)
	}
	if arg.Counter.Load() != 1 {
		t.Fatalf("counter %d after the child took the lock", arg.Counter.Load())
	}
	if !l.TryLock() {
		t.Fatal("the child left the lock held")
	}
	l.Unlock()
}

// commPutHeldLock makes a lock, takes it, puts it on the queue and exits
// holding it.
var commPutHeldLock = mproc.Register[*mproc.Queue[*mproc.Lock], mproc.None]("test.comm.pass.putheldlock", func(ctx context.Context, q *mproc.Queue[*mproc.Lock]) error {
	l, err := mproc.NewLock()
	if err != nil {
		return err
	}
	l.Lock()
	return q.Put(ctx, l)
})

// A Lock made in a child comes through a Queue after the child exited
// holding it: it is held, and the next acquirer takes it with
// ErrOwnerDead.
func testPassLockFromChild(t *testing.T) {
	ctx := ctxTimeout(t, 30*time.Second)
	q := newQueue[*mproc.Lock](t, 0)
	waitOK(t, ctx, startChild(t, ctx, commPutHeldLock, q))
	l, err := q.Get(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !mproc.Locked(l) {
		t.Fatal("the lock the child held arrived unlocked")
	}
	if err := l.LockContext(ctx); !errors.Is(err, mproc.ErrOwnerDead) {
		t.Fatalf("taking the dead child's lock: %v, want ErrOwnerDead", err)
	}
	l.Unlock()
	if !l.TryLock() {
		t.Fatal("TryLock after Unlock")
	}
	l.Unlock()
}

var commMakeQueue = mproc.Register[int, *mproc.Queue[int]]("test.comm.pass.makequeue", func(ctx context.Context, n int) (*mproc.Queue[int], error) {
	q, err := mproc.NewQueue[int](0)
	if err != nil {
		return nil, err
	}
	for i := range n {
		if err := q.Put(ctx, i); err != nil {
			return nil, err
		}
	}
	return q, nil
})

// A Queue made in a child and returned as its result holds what the child
// put, after the child has exited.
func testPassQueueBack(t *testing.T) {
	ctx := ctxTimeout(t, 30*time.Second)
	q := waitOK(t, ctx, startChild(t, ctx, commMakeQueue, 5))
	t.Cleanup(func() { q.Close() })
	for i := range 5 {
		if v, err := q.Get(ctx); err != nil || v != i {
			t.Fatalf("item %d: %d, %v", i, v, err)
		}
	}
	if _, err := q.TryGet(); !errors.Is(err, mproc.ErrEmpty) {
		t.Fatalf("TryGet after the five: %v", err)
	}
}

// ---- Nothing left behind ----

type everyComm struct {
	Q  *mproc.Queue[int]
	JQ *mproc.JoinableQueue[int]
	SQ *mproc.SimpleQueue[int]
	C  *mproc.Conn
}

// Queues, pipes and listeners leave /dev/shm as it was, and every child
// that used them is gone. Not parallel: it compares /dev/shm before and
// after.
func TestCommNothingInDevShm(t *testing.T) {
	noChildLeft(t)
	ctx := ctxTimeout(t, 30*time.Second)
	list := func() []string {
		ents, err := os.ReadDir("/dev/shm")
		if err != nil {
			t.Skipf("no /dev/shm: %v", err)
		}
		var names []string
		for _, e := range ents {
			names = append(names, e.Name())
		}
		return names
	}
	before := list()
	func() {
		q, err := mproc.NewQueue[int](0)
		if err != nil {
			t.Fatal(err)
		}
		defer q.Close()
		jq, err := mproc.NewJoinableQueue[int](0)
		if err != nil {
			t.Fatal(err)
		}
		defer jq.Close()
		sq, err := mproc.NewSimpleQueue[int]()
		if err != nil {
			t.Fatal(err)
		}
		defer sq.Close()
		a, b, err := mproc.Pipe(true)
		if err != nil {
			t.Fatal(err)
		}
		defer a.Close()
		waitOK(t, ctx, startChild(t, ctx, commUseEverything, everyComm{Q: q, JQ: jq, SQ: sq, C: b}))
		b.Close()
		for i, get := range []func() (int, error){
			func() (int, error) { return q.Get(ctx) },
			func() (int, error) { return jq.Get(ctx) },
			func() (int, error) { return sq.Get(ctx) },
			func() (int, error) { var v int; err := a.Recv(ctx, &v); return v, err },
		} {
			if v, err := get(); err != nil || v != i+1 {
				t.Fatalf("object %d: %d, %v", i, v, err)
			}
		}
		fds, err := os.ReadDir("/proc/self/fd")
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range fds {
			link, _ := os.Readlink("/proc/self/fd/" + e.Name())
			if namedInDevShm(link) {
				t.Errorf("descriptor %s is on %s", e.Name(), link)
			}
		}
	}()
	if after := list(); !slices.Equal(before, after) {
		t.Fatalf("/dev/shm changed:\nbefore %q\nafter  %q", before, after)
	}
}
