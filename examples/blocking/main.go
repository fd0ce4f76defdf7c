// Command blocking shows blocking versus non-blocking waits on what another
// process holds: a queue's item (Get waits, TryGet answers ErrEmpty at
// once, Get with a deadline gives up at it), a lock (Lock waits, TryLock
// answers false at once) and a pipe's message (Recv waits, Poll with a done
// ctx only looks).
//
// Run it with: go run ./examples/blocking
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"mproc"
)

type arg struct {
	Go    *mproc.Event // the peer acts once main sets it
	Held  *mproc.Event // set by the peer once it holds the lock
	Queue *mproc.Queue[string]
	Lock  *mproc.Lock
	Conn  *mproc.Conn
}

// peer holds the lock, and once told to go, after 100ms puts an item,
// sends a message and releases the lock.
var peer = mproc.Register[arg, mproc.None]("blocking.peer", func(ctx context.Context, a arg) error {
	if err := a.Lock.LockContext(ctx); err != nil {
		return err
	}
	defer a.Lock.Unlock()
	a.Held.Set()
	if err := a.Go.Wait(ctx); err != nil {
		return err
	}
	time.Sleep(100 * time.Millisecond)
	if err := a.Queue.Put(ctx, "an item"); err != nil {
		return err
	}
	return a.Conn.Send(ctx, "a message")
})

func main() {
	mproc.Main()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "blocking:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	goEv, err := mproc.NewEvent()
	if err != nil {
		return err
	}
	held, err := mproc.NewEvent()
	if err != nil {
		return err
	}
	q, err := mproc.NewQueue[string](0)
	if err != nil {
		return err
	}
	l, err := mproc.NewLock()
	if err != nil {
		return err
	}
	mine, theirs, err := mproc.Pipe(true)
	if err != nil {
		return err
	}
	p, err := peer.Start(ctx, arg{Go: goEv, Held: held, Queue: q, Lock: l, Conn: theirs})
	if err != nil {
		return err
	}
	theirs.Close()
	if err := held.Wait(ctx); err != nil {
		return err
	}

	// Non-blocking: each answers at once.
	t0 := time.Now()
	_, err = q.TryGet()
	fmt.Printf("TryGet:   %v (ErrEmpty: %v) after %v\n", err, errors.Is(err, mproc.ErrEmpty), time.Since(t0))
	t0 = time.Now()
	fmt.Printf("TryLock:  %v after %v\n", l.TryLock(), time.Since(t0))
	done, stop := context.WithCancel(ctx)
	stop()
	t0 = time.Now()
	ready, _ := mine.Poll(done)
	fmt.Printf("Poll:     %v after %v\n", ready, time.Since(t0))

	// A deadline: waits, then gives up.
	t0 = time.Now()
	short, cancel := context.WithTimeout(ctx, 30*time.Millisecond)
	_, err = q.Get(short)
	cancel()
	fmt.Printf("Get with a 30ms deadline: %v after %v\n", err, time.Since(t0).Round(time.Millisecond))

	// Blocking: each waits for the peer.
	goEv.Set()
	t0 = time.Now()
	v, err := q.Get(ctx)
	if err != nil {
		return err
	}
	fmt.Printf("Get:      %q after %v\n", v, time.Since(t0).Round(time.Millisecond))
	var msg string
	if err := mine.Recv(ctx, &msg); err != nil {
		return err
	}
	fmt.Printf("Recv:     %q after %v\n", msg, time.Since(t0).Round(time.Millisecond))
	l.Lock()
	fmt.Printf("Lock:     got it after %v, once the peer let go\n", time.Since(t0).Round(time.Millisecond))
	l.Unlock()
	if err := p.Join(ctx); err != nil {
		return err
	}
	return mproc.Shutdown(ctx)
}
