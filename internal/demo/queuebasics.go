package demo

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"mproc"
)

// The seeds' first look at a Queue, in one process: Queue(3) takes three
// items; put_nowait on a full queue raises queue.Full; get returns them in
// the order they were put; get_nowait on an empty queue raises queue.Empty;
// and full(), empty() and qsize() say where the queue stands. Blocking put
// and get wait, with a timeout if given.

// queueBasicsWait is how long the demo's timed Get and Put wait: CPython's
// q.get(timeout=0.2).
const queueBasicsWait = 200 * time.Millisecond

func init() {
	add(Demo{
		Name:  "queue-basics",
		Title: "Queue(3): put, put_nowait raising Full, get in FIFO order, get_nowait raising Empty, full(), empty()",
		Intro: "The seeds' Queue basics, in one process. q = Queue(3) holds three items: after three puts, q.full() is " +
			"True and q.put_nowait(x) raises queue.Full ('队列已经满了'); in mproc, TryPut returns an error matching " +
			"mproc.ErrFull. q.get() returns the items first in, first out; on the empty queue q.get_nowait() raises " +
			"queue.Empty ('队列已经空了'): TryGet returns mproc.ErrEmpty. A blocking get waits for an item; " +
			"q.get(timeout=0.2) gives up after 0.2 s: in mproc the timeout is a deadline on the ctx, and the error " +
			"matches both ErrEmpty and context.DeadlineExceeded. Last, Close: later puts fail everywhere; other processes drain what is left, and this one, which let go of the queue, gets ErrClosed at once. Then seed 000's producers and customers, who poll with get_nowait every 0.5 s and stop at the first Empty, and queue.Queue(5), the threads' queue, which in Go is a buffered channel.",
		Run: stage(runQueueBasics),
	})
}

func runQueueBasics(ctx context.Context, con *console, started *[]*mproc.Process) error {
	con.Printf("1. q = Queue(3)  →  q, _ := mproc.NewQueue[string](3)")
	q, err := mproc.NewQueue[string](3)
	if err != nil {
		return err
	}
	con.Printf("   q.Len() = %d (qsize), q.Empty() = %v, q.Full() = %v", q.Len(), q.Empty(), q.Full())

	names := []string{"jason", "hcy", "hb"}
	for _, n := range names {
		if err := q.Put(ctx, n); err != nil {
			return err
		}
		con.Printf("   q.put(%q)  添加1个 (added one)  qsize=%d", n, q.Len())
	}
	con.Printf("   q.Full() = %v  (三个了: the queue holds its three)", q.Full())
	if !q.Full() || q.Len() != 3 {
		return fmt.Errorf("queue-basics: after 3 puts, Full()=%v Len()=%d", q.Full(), q.Len())
	}

	con.Printf("\n2. q.put_nowait('zsb') on the full queue  →  q.TryPut(\"zsb\")")
	err = q.TryPut("zsb")
	if !errors.Is(err, mproc.ErrFull) {
		return fmt.Errorf("queue-basics: TryPut on a full queue: want ErrFull, got %v", err)
	}
	con.Printf("   error %q; errors.Is(err, mproc.ErrFull) = %v  →  队列已经满了 (the queue is full; 'zsb' was not added)", err, errors.Is(err, mproc.ErrFull))

	con.Printf("\n3. q.put('zsb', timeout=%.1f): a Put waits for room as long as its ctx allows", queueBasicsWait.Seconds())
	took, err := timed(ctx, queueBasicsWait, func(ctx context.Context) error { return q.Put(ctx, "zsb") })
	if !errors.Is(err, mproc.ErrFull) || !errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("queue-basics: a timed Put on a full queue: want ErrFull and DeadlineExceeded, got %v", err)
	}
	con.Printf("   gave up after %v: %q (ErrFull: %v, DeadlineExceeded: %v); still %d items",
		took.Round(time.Millisecond), err, errors.Is(err, mproc.ErrFull), errors.Is(err, context.DeadlineExceeded), q.Len())

	con.Printf("\n4. q.get() three times: first in, first out")
	var got []string
	for range names {
		v, err := q.Get(ctx)
		if err != nil {
			return err
		}
		got = append(got, v)
		con.Printf("   q.get() → %q", v)
	}
	if strings.Join(got, " ") != strings.Join(names, " ") {
		return fmt.Errorf("queue-basics: got %v, want %v in that order", got, names)
	}
	con.Printf("   FIFO: %s out, in the order %s went in", strings.Join(got, ", "), strings.Join(names, ", "))

	con.Printf("\n5. q.get_nowait() on the empty queue  →  q.TryGet()")
	_, err = q.TryGet()
	if !errors.Is(err, mproc.ErrEmpty) {
		return fmt.Errorf("queue-basics: TryGet on an empty queue: want ErrEmpty, got %v", err)
	}
	con.Printf("   error %q; errors.Is(err, mproc.ErrEmpty) = %v  →  队列已经空了 (the queue is empty)", err, errors.Is(err, mproc.ErrEmpty))
	con.Printf("   q.Empty() = %v, q.Full() = %v, q.Len() = %d", q.Empty(), q.Full(), q.Len())
	if !q.Empty() {
		return errors.New("queue-basics: Empty() is false after taking every item")
	}

	con.Printf("\n6. q.get(timeout=%.1f) on the empty queue  →  q.Get(ctx) with a %v deadline", queueBasicsWait.Seconds(), queueBasicsWait)
	took, err = timed(ctx, queueBasicsWait, func(ctx context.Context) error { _, err := q.Get(ctx); return err })
	if !errors.Is(err, mproc.ErrEmpty) || !errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("queue-basics: a timed Get on an empty queue: want ErrEmpty and DeadlineExceeded, got %v", err)
	}
	if took < queueBasicsWait || took > queueBasicsWait+time.Second {
		return fmt.Errorf("queue-basics: a Get with a %v deadline gave up after %v", queueBasicsWait, took)
	}
	con.Printf("   waited %v, then: %q (ErrEmpty: %v, DeadlineExceeded: %v): CPython's queue.Empty after the timeout",
		took.Round(time.Millisecond), err, errors.Is(err, mproc.ErrEmpty), errors.Is(err, context.DeadlineExceeded))

	con.Printf("\n7. q.Close(): the queue's, for every process, like closing a Go channel")
	if err := q.Put(ctx, "lh"); err != nil {
		return err
	}
	if err := q.Close(); err != nil {
		return err
	}
	err = q.Put(ctx, "sean")
	if !errors.Is(err, mproc.ErrClosed) {
		return fmt.Errorf("queue-basics: Put after Close: want ErrClosed, got %v", err)
	}
	con.Printf("   put 'lh', then Close; q.Put(\"sean\") → %q (ErrClosed: %v)", err, errors.Is(err, mproc.ErrClosed))
	_, err = q.Get(ctx)
	if !errors.Is(err, mproc.ErrClosed) {
		return fmt.Errorf("queue-basics: Get after Close in the closing process: want ErrClosed, got %v", err)
	}
	con.Printf("   q.Get() here → %q at once (ErrClosed: %v): this process let go of the queue (its memory and "+
		"descriptors are freed); a child that has it would still get 'lh', then ErrClosed", err, errors.Is(err, mproc.ErrClosed))
	return queuePolling(ctx, con, started)
}

// timed runs f with a deadline of d from now and returns how long it took.
func timed(ctx context.Context, d time.Duration, f func(context.Context) error) (time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	start := time.Now()
	err := f(ctx)
	return time.Since(start), err
}
