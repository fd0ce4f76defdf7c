package demo

import (
	"context"
	"errors"
	"fmt"
	"time"

	"mproc"
)

// The seed's blocking versus non-blocking (阻塞 / 非阻塞): whether the waiter
// can do anything else while waiting. Three things a process waits for —
// an item on a queue, a lock another process holds, a message on a pipe —
// each waited for in the three ways mproc offers: blocking (Get, Lock,
// Recv), not at all (TryGet, TryLock, Poll with a done ctx), and blocking
// with a deadline (a ctx with a timeout).

type blockingArg struct {
	Console string
	Gate    string // the peer acts once the demo opens it
	Mode    string // "put", "hold" or "send"
	Queue   *mproc.Queue[string]
	Lock    *mproc.Lock
	Conn    *mproc.Conn
}

// blockingDelay is how long the peer takes once the gate opens.
const blockingDelay = 100 * time.Millisecond

var blockingPeer = mproc.Register[blockingArg, mproc.None]("demo.blocking.peer", func(ctx context.Context, a blockingArg) error {
	me := mproc.Current().Name()
	if a.Mode == "hold" {
		if err := a.Lock.LockContext(ctx); err != nil {
			return err
		}
		defer a.Lock.Unlock()
		say(a.Console, "  peer %s: holding the lock", me)
	}
	if err := waitGate(a.Gate); err != nil {
		return err
	}
	pause := func() error {
		select {
		case <-time.After(blockingDelay):
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if err := pause(); err != nil {
		return err
	}
	switch a.Mode {
	case "put":
		return a.Queue.Put(ctx, "your number is called")
	case "hold":
		say(a.Console, "  peer %s: releasing the lock", me)
		return nil // the deferred Unlock
	case "send":
		if err := a.Conn.Send(ctx, "first message"); err != nil {
			return err
		}
		if err := pause(); err != nil {
			return err
		}
		return a.Conn.Send(ctx, "second message")
	}
	return fmt.Errorf("unknown mode %q", a.Mode)
})

func init() {
	add(Demo{
		Name:  "blocking",
		Title: "Blocking versus non-blocking: Get, Lock and Recv wait; TryGet, TryLock and Poll answer at once; a ctx deadline bounds the wait",
		Intro: "The seed: blocking and non-blocking are about the waiter. If, while waiting in the bank, you can do nothing " +
			"else, the wait blocks; if you make phone calls and glance at the queue now and then, it does not (and the " +
			"seed notes that glancing is inefficient: the program switches back and forth). A peer process holds what " +
			"main waits for: an item on a queue, a lock, a message on a pipe. For each, watch how long each way of " +
			"waiting takes: the non-blocking call answers in microseconds (ErrEmpty, false), the blocking call returns " +
			"once the peer acts (about 100ms later), and a ctx deadline ends a wait at the deadline (matching both the " +
			"sentinel CPython raises and context.DeadlineExceeded).",
		Run: stage(runBlocking),
	})
}

func runBlocking(ctx context.Context, con *console, started *[]*mproc.Process) error {
	peer := func(a blockingArg) (*gate, *mproc.Proc[mproc.None], error) {
		g, err := con.newGate(a.Mode)
		if err != nil {
			return nil, nil, err
		}
		a.Console, a.Gate = con.path, g.path
		p, err := blockingPeer.Start(ctx, a)
		if err != nil {
			g.Open()
			return nil, nil, err
		}
		*started = append(*started, p.Process)
		return g, p, nil
	}
	for _, part := range []func(context.Context, *console, func(blockingArg) (*gate, *mproc.Proc[mproc.None], error)) error{
		blockingQueue, blockingLock, blockingPipe,
	} {
		if err := part(ctx, con, peer); err != nil {
			return err
		}
	}
	con.Printf("\n   Blocking or not is the waiter's business; synchronous or not (see sync-async) is whether the\n" +
		"   call itself brings the outcome. TryGet in a loop is synchronous and non-blocking; Get is\n" +
		"   synchronous and blocking; a Future's OnDone is asynchronous.")
	return nil
}

func blockingQueue(ctx context.Context, con *console, peer func(blockingArg) (*gate, *mproc.Proc[mproc.None], error)) error {
	con.Printf("1. A queue: a peer will put an item once main lets it (then after %v)", blockingDelay)
	q, err := mproc.NewQueue[string](0)
	if err != nil {
		return err
	}
	defer q.Close()
	g, p, err := peer(blockingArg{Mode: "put", Queue: q})
	if err != nil {
		return err
	}
	defer g.Open()
	t0 := time.Now()
	_, err = q.TryGet()
	con.Printf("main: q.get_nowait()        → q.TryGet():        %v after %v", err, since(t0))
	if !errors.Is(err, mproc.ErrEmpty) {
		return fmt.Errorf("blocking: TryGet on an empty queue: %v, want ErrEmpty", err)
	}
	t0 = time.Now()
	tctx, cancel := context.WithTimeout(ctx, 30*time.Millisecond)
	_, err = q.Get(tctx)
	cancel()
	con.Printf("main: q.get(timeout=0.03)   → q.Get(30ms ctx):   %v after %v (ErrEmpty: %v, DeadlineExceeded: %v)",
		err, since(t0), errors.Is(err, mproc.ErrEmpty), errors.Is(err, context.DeadlineExceeded))
	if !errors.Is(err, mproc.ErrEmpty) || !errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("blocking: Get with a deadline on an empty queue: %v", err)
	}
	g.Open()
	t0 = time.Now()
	v, err := q.Get(ctx)
	if err != nil {
		return err
	}
	con.Printf("main: q.get()               → q.Get(ctx):        %q after %v: it waited for the peer", v, since(t0))
	return p.Join(ctx)
}

func blockingLock(ctx context.Context, con *console, peer func(blockingArg) (*gate, *mproc.Proc[mproc.None], error)) error {
	con.Printf("\n2. A lock: a peer holds it until main lets it go on (then %v more)", blockingDelay)
	l, err := mproc.NewLock()
	if err != nil {
		return err
	}
	defer l.Close()
	g, p, err := peer(blockingArg{Mode: "hold", Lock: l})
	if err != nil {
		return err
	}
	defer g.Open()
	if _, err := con.waitLine(ctx, p.Name()+": holding the lock", 5*time.Second); err != nil {
		return err
	}
	t0 := time.Now()
	got := l.TryLock()
	con.Printf("main: lock.acquire(False)   → l.TryLock():       %v after %v", got, since(t0))
	if got {
		return errors.New("blocking: TryLock took a lock another process holds")
	}
	t0 = time.Now()
	tctx, cancel := context.WithTimeout(ctx, 30*time.Millisecond)
	err = l.LockContext(tctx)
	cancel()
	con.Printf("main: lock.acquire(timeout=0.03) → l.LockContext(30ms ctx): %v after %v", err, since(t0))
	if !errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("blocking: LockContext with a deadline on a held lock: %v", err)
	}
	g.Open()
	t0 = time.Now()
	l.Lock()
	con.Printf("main: lock.acquire()        → l.Lock():          got it after %v: it waited for the peer", since(t0))
	l.Unlock()
	return p.Join(ctx)
}

func blockingPipe(ctx context.Context, con *console, peer func(blockingArg) (*gate, *mproc.Proc[mproc.None], error)) error {
	con.Printf("\n3. A pipe: a peer sends a message %v after main lets it, and another %v later", blockingDelay, blockingDelay)
	mine, theirs, err := mproc.Pipe(true)
	if err != nil {
		return err
	}
	defer mine.Close()
	g, p, err := peer(blockingArg{Mode: "send", Conn: theirs})
	theirs.Close() // the peer has its own copy
	if err != nil {
		return err
	}
	defer g.Open()
	done, cancel := context.WithCancel(ctx)
	cancel() // a done ctx: Poll only looks
	t0 := time.Now()
	ready, err := mine.Poll(done)
	con.Printf("main: conn.poll()           → c.Poll(done ctx):  %v, %v after %v", ready, err, since(t0))
	if ready {
		return errors.New("blocking: Poll found a message before the peer sent one")
	}
	t0 = time.Now()
	tctx, cancel := context.WithTimeout(ctx, 30*time.Millisecond)
	ready, err = mine.Poll(tctx)
	cancel()
	con.Printf("main: conn.poll(0.03)       → c.Poll(30ms ctx):  %v, %v after %v", ready, err, since(t0))
	if ready || !errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("blocking: Poll with a deadline before any message: %v, %v", ready, err)
	}
	g.Open()

	// The seed's glance at the queue between phone calls: poll, work, poll.
	t0 = time.Now()
	polls, chores := 0, 0
	for {
		polls++
		if ready, _ = mine.Poll(done); ready {
			break
		}
		chores++ // a phone call, a text: 5ms of other business
		select {
		case <-time.After(5 * time.Millisecond):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	var msg string
	if err := mine.Recv(ctx, &msg); err != nil {
		return err
	}
	con.Printf("main: non-blocking: polled %d times, doing %d chores between, and got %q after %v", polls, chores, msg, since(t0))
	t0 = time.Now()
	if err := mine.Recv(ctx, &msg); err != nil {
		return err
	}
	con.Printf("main: conn.recv()           → c.Recv(ctx, &msg): %q after %v: it waited, doing nothing else", msg, since(t0))
	return p.Join(ctx)
}

// since is the time since t0, rounded for reading.
func since(t0 time.Time) time.Duration {
	d := time.Since(t0)
	if d < time.Millisecond {
		return d.Round(time.Microsecond)
	}
	return d.Round(time.Millisecond)
}
