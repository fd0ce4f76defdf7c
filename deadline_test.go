package mproc_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"mproc"
)

// deadlineCase is one call bounded by ctx, set up so that it must give up.
type deadlineCase struct {
	name string
	call func(ctx context.Context) error
	// meaning is the sentinel that adds meaning to a deadline (ErrFull for a
	// Put, ...), or nil. A cancelled call must not match it, except where
	// cancelled says so.
	meaning   error
	cancelled bool // a cancelled call matches meaning as well (a broken barrier)
}

// TestDeadlinesOneRule checks the rule of the package doc for every
// exported call that takes a ctx: a call that gives up on its ctx returns
// an error matching ctx.Err(); a sentinel that adds meaning is matched at a
// deadline as well, and never for a mere cancellation.
func TestDeadlinesOneRule(t *testing.T) {
	t.Parallel()
	bg, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cases := deadlineCases(t, bg)
	expired := func() context.Context {
		ctx, cancel := context.WithDeadline(bg, time.Now().Add(-time.Second))
		t.Cleanup(cancel)
		return ctx
	}
	cancelled := func() context.Context {
		ctx, cancel := context.WithCancel(bg)
		cancel()
		return ctx
	}
	for _, c := range cases {
		ctx := expired()
		err := c.call(ctx)
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("%s past its deadline: %v; want an error matching context.DeadlineExceeded", c.name, err)
		}
		if c.meaning != nil && !errors.Is(err, c.meaning) {
			t.Errorf("%s past its deadline: %v; want it to match %v too", c.name, err, c.meaning)
		}
		ctx = cancelled()
		err = c.call(ctx)
		if !errors.Is(err, context.Canceled) {
			t.Errorf("%s cancelled: %v; want an error matching context.Canceled", c.name, err)
		}
		if c.meaning != nil && !c.cancelled && errors.Is(err, c.meaning) {
			t.Errorf("%s cancelled: %v; it reads as %v, not as cancelled", c.name, err, c.meaning)
		}
	}
}

func deadlineCases(t *testing.T, bg context.Context) []deadlineCase {
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	var cases []deadlineCase
	add := func(name string, meaning error, call func(ctx context.Context) error) {
		cases = append(cases, deadlineCase{name: name, call: call, meaning: meaning})
	}

	full, err := mproc.NewQueue[int](1)
	must(err)
	t.Cleanup(func() { full.Close() })
	must(full.Put(bg, 1))
	add("Queue.Put", mproc.ErrFull, func(ctx context.Context) error { return full.Put(ctx, 2) })
	empty, err := mproc.NewQueue[int](0)
	must(err)
	t.Cleanup(func() { empty.Close() })
	add("Queue.Get", mproc.ErrEmpty, func(ctx context.Context) error { _, err := empty.Get(ctx); return err })

	jq, err := mproc.NewJoinableQueue[int](1)
	must(err)
	t.Cleanup(func() { jq.Close() })
	must(jq.Put(bg, 1))
	add("JoinableQueue.Put", mproc.ErrFull, func(ctx context.Context) error { return jq.Put(ctx, 2) })
	add("JoinableQueue.Join", nil, func(ctx context.Context) error { return jq.Join(ctx) })
	jqe, err := mproc.NewJoinableQueue[int](0)
	must(err)
	t.Cleanup(func() { jqe.Close() })
	add("JoinableQueue.Get", mproc.ErrEmpty, func(ctx context.Context) error { _, err := jqe.Get(ctx); return err })
	sq, err := mproc.NewSimpleQueue[int]()
	must(err)
	t.Cleanup(func() { sq.Close() })
	add("SimpleQueue.Get", mproc.ErrEmpty, func(ctx context.Context) error { _, err := sq.Get(ctx); return err })

	cases = append(cases, connCases(t, bg)...)
	cases = append(cases, syncCases(t, bg)...)
	cases = append(cases, futureCases(t, bg)...)
	cases = append(cases, processCases(t, bg)...)
	cases = append(cases, poolCases(t, bg)...)
	return cases
}

func connCases(t *testing.T, bg context.Context) []deadlineCase {
	a, b, err := mproc.Pipe(true)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close(); b.Close() })
	block := make([]byte, 64<<10)
	return []deadlineCase{
		{name: "Conn.Recv", call: func(ctx context.Context) error { var v int; return b.Recv(ctx, &v) }},
		{name: "Conn.RecvBytes", call: func(ctx context.Context) error { _, err := b.RecvBytes(ctx); return err }},
		{name: "Conn.RecvBytesInto", call: func(ctx context.Context) error { _, err := b.RecvBytesInto(ctx, block); return err }},
		{name: "Conn.Poll", call: func(ctx context.Context) error { _, err := b.Poll(ctx); return err }},
		{name: "Conn.SendBytes", call: func(ctx context.Context) error {
			// Nobody reads a: it fills up, and then Send must give up.
			for range 1 << 16 {
				if err := a.SendBytes(ctx, block); err != nil {
					return err
				}
			}
			return nil
		}},
		{name: "Conn.Send", call: func(ctx context.Context) error {
			for range 1 << 16 {
				if err := a.Send(ctx, block); err != nil {
					return err
				}
			}
			return nil
		}},
	}
}

func syncCases(t *testing.T, bg context.Context) []deadlineCase {
	l, err := mproc.NewLock()
	if err != nil {
		t.Fatal(err)
	}
	l.Lock()
	s, err := mproc.NewSemaphore(0)
	if err != nil {
		t.Fatal(err)
	}
	ev, err := mproc.NewEvent()
	if err != nil {
		t.Fatal(err)
	}
	cond, err := mproc.NewCondition(nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := cond.LockContext(bg); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close(); s.Close(); ev.Close(); cond.Close() })
	barrierWait := func(ctx context.Context) error {
		b, err := mproc.NewBarrier(2) // a fresh one: a wait that gives up breaks it
		if err != nil {
			return err
		}
		defer b.Close()
		_, err = b.Wait(ctx)
		return err
	}
	return []deadlineCase{
		{name: "Lock.LockContext", call: l.LockContext},
		{name: "Semaphore.Acquire", call: s.Acquire},
		{name: "Event.Wait", call: ev.Wait},
		{name: "Condition.Wait", call: cond.Wait},
		{name: "Condition.WaitFor", call: func(ctx context.Context) error { return cond.WaitFor(ctx, func() bool { return false }) }},
		{name: "Barrier.Wait", call: barrierWait, meaning: mproc.ErrBrokenBarrier, cancelled: true},
	}
}

func futureCases(t *testing.T, bg context.Context) []deadlineCase {
	ex, err := mproc.NewGoExecutor(1)
	if err != nil {
		t.Fatal(err)
	}
	release := make(chan struct{})
	fut := mproc.Go(bg, ex, func(context.Context) (int, error) { <-release; return 1, nil })
	ex2, err := mproc.NewGoExecutor(1)
	if err != nil {
		t.Fatal(err)
	}
	mproc.Go(bg, ex2, func(context.Context) (int, error) { <-release; return 1, nil })
	t.Cleanup(func() {
		close(release)
		ex.Shutdown(bg)
		ex2.Shutdown(bg)
	})
	return []deadlineCase{
		{name: "Future.Get", call: func(ctx context.Context) error { _, err := fut.Get(ctx); return err }, meaning: mproc.ErrTimeout},
		{name: "WaitFutures", call: func(ctx context.Context) error {
			_, _, err := mproc.WaitFutures(ctx, mproc.AllCompleted, fut)
			return err
		}},
		{name: "AsCompleted", call: func(ctx context.Context) error {
			for _, err := range mproc.AsCompleted(ctx, fut) {
				return err
			}
			return nil
		}},
		{name: "GoExecutor.Shutdown", call: ex2.Shutdown},
	}
}

func processCases(t *testing.T, bg context.Context) []deadlineCase {
	p, err := blockUntilCancelled.Start(bg, mproc.None{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Terminate(); p.Join(bg) })
	return []deadlineCase{
		{name: "Process.Join", call: p.Join},
		{name: "Proc.Wait", call: func(ctx context.Context) error { _, err := p.Wait(ctx); return err }},
		{name: "Process.Start", call: func(ctx context.Context) error { return noop.Process(mproc.None{}).Start(ctx) }},
		{name: "Func.Start", call: func(ctx context.Context) error { _, err := noop.Start(ctx, mproc.None{}); return err }},
		{name: "Func.Call", call: func(ctx context.Context) error { _, err := noop.Call(ctx, mproc.None{}); return err }},
	}
}

func poolCases(t *testing.T, bg context.Context) []deadlineCase {
	busy := func() *mproc.Pool {
		p := ptPool(t, bg, mproc.WithWorkers(1))
		ptSleep.Submit(bg, p, time.Minute)
		ptRunning(t, bg, p, ptSleep.Name())
		return p
	}
	p, closing := busy(), busy()
	args := []int{1, 2, 3}
	first := func(seq func(yield func(int, error) bool)) error {
		for _, err := range seq {
			return err
		}
		return nil
	}
	return []deadlineCase{
		{name: "NewPool", call: func(ctx context.Context) error {
			p, err := mproc.NewPool(ctx, mproc.WithWorkers(1))
			if err == nil {
				p.Terminate()
			}
			return err
		}},
		{name: "Func.Apply", call: func(ctx context.Context) error { _, err := ptSquare.Apply(ctx, p, 2); return err }},
		{name: "Func.Submit", call: func(ctx context.Context) error { _, err := ptSquare.Submit(ctx, p, 2).Get(bg); return err }},
		{name: "Func.Map", call: func(ctx context.Context) error { _, err := ptSquare.Map(ctx, p, args); return err }},
		{name: "Func.MapAsync", call: func(ctx context.Context) error { _, err := ptSquare.MapAsync(ctx, p, args).Get(bg); return err }},
		{name: "Func.Imap", call: func(ctx context.Context) error { return first(ptSquare.Imap(ctx, p, slices.Values(args))) }},
		{name: "Func.ImapUnordered", call: func(ctx context.Context) error {
			return first(ptSquare.ImapUnordered(ctx, p, slices.Values(args)))
		}},
		{name: "Pool.Shutdown", call: closing.Shutdown},
		{name: "Pool.Join", call: closing.Join},
	}
}

// ctxEnded reports whether err is a context's error.
func ctxEnded(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}
