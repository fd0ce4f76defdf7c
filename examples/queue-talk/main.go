// Command queue-talk is the seeds' IPC机制: process memory is isolated, so
// two children talk through a queue both were given as an argument. task1
// puts x = 100; task2, in another process, gets it, prints
// p2获取的数据是100 and puts 9527 back on the same queue; task1 gets 9527.
// task1 sleeps between its put and its get (the seed's 3 s, here 300 ms) so
// that task2 takes the 100 first: on one queue a process can get its own
// message back. The sleep is a guess; should it be too short, task1 puts its
// own message back and sleeps again.
//
// Run it with: go run ./examples/queue-talk
package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"mproc"
)

// msg says who put it, which matters when both put on one queue.
type msg struct {
	From string
	Text string
}

// task1 puts 100, sleeps, and gets the answer.
var task1 = mproc.Register[*mproc.Queue[msg], string]("queue-talk.task1", func(ctx context.Context, q *mproc.Queue[msg]) (string, error) {
	fmt.Printf("  p1 (pid %d): x = 100; q.put(x); time.sleep(0.3)\n", os.Getpid())
	if err := q.Put(ctx, msg{From: "p1", Text: "100"}); err != nil {
		return "", err
	}
	for {
		time.Sleep(300 * time.Millisecond) // the seed's time.sleep(3): time for p2 to take the 100
		m, err := q.Get(ctx)
		if err != nil {
			return "", err
		}
		if m.From == "p1" { // the sleep was too short: leave it for p2
			if err := q.Put(ctx, m); err != nil {
				return "", err
			}
			continue
		}
		fmt.Printf("  p1: p1获取数据: %s\n", m.Text)
		return m.Text, nil
	}
})

// task2 gets one message, prints it and answers 9527.
var task2 = mproc.Register[*mproc.Queue[msg], string]("queue-talk.task2", func(ctx context.Context, q *mproc.Queue[msg]) (string, error) {
	m, err := q.Get(ctx)
	if err != nil {
		return "", err
	}
	fmt.Printf("  p2 (pid %d): p2获取的数据是%s; q.put(9527)\n", os.Getpid(), m.Text)
	return m.Text, q.Put(ctx, msg{From: "p2", Text: "9527"})
})

func main() {
	mproc.Main()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "queue-talk:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	q, err := mproc.NewQueue[msg](10)
	if err != nil {
		return err
	}
	p1, err := task1.Start(ctx, q)
	if err != nil {
		return err
	}
	p2, err := task2.Start(ctx, q)
	if err != nil {
		return err
	}
	got2, err := p2.Wait(ctx)
	if err != nil {
		return err
	}
	got1, err := p1.Wait(ctx)
	if err != nil {
		return err
	}
	if got2 != "100" || got1 != "9527" {
		return fmt.Errorf("p2 got %q and p1 got %q, want 100 and 9527", got2, got1)
	}
	fmt.Println("main: p2 got 100 and p1 got 9527: the two processes talked through the queue")
	return mproc.Shutdown(ctx)
}
