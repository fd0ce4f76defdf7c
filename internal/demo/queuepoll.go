package demo

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"mproc"
)

// Seed 000's producers and customers (生产者与消费者): ten producer processes
// each put one food; two customers loop { sleep 0.5 s; q.get_nowait() }
// and stop at the first queue.Empty. Then queue.Queue(5), the threads'
// queue, told as a buffered Go channel.

// queuePollNap is the customers' time.sleep(0.5), scaled down.
const queuePollNap = 50 * time.Millisecond

type queueFoodArg struct {
	Console string
	Q       *mproc.Queue[string]
	Name    string
	Food    string
}

// queueProducer is the seed's producer(name, food, q).
var queueProducer = mproc.Register[queueFoodArg, mproc.None]("demo.queuepoll.producer", func(ctx context.Context, a queueFoodArg) error {
	if err := a.Q.Put(ctx, a.Food); err != nil {
		return err
	}
	say(a.Console, "  %s 生产了 %s 食物 (made %s)", a.Name, a.Food, a.Food)
	return nil
})

// queueCustomer is the seed's customer(name, q): it returns what it ate.
var queueCustomer = mproc.Register[queueFoodArg, []string]("demo.queuepoll.customer", func(ctx context.Context, a queueFoodArg) ([]string, error) {
	var ate []string
	for {
		select {
		case <-time.After(queuePollNap):
		case <-ctx.Done():
			return ate, ctx.Err()
		}
		food, err := a.Q.TryGet()
		if errors.Is(err, mproc.ErrEmpty) {
			say(a.Console, "  %s: get_nowait → Empty, so it stops (break)", a.Name)
			return ate, nil
		}
		if err != nil {
			return ate, err
		}
		ate = append(ate, food)
		say(a.Console, "  %s 吃了 %s 食物! (ate %s)", a.Name, food, food)
	}
})

func queuePolling(ctx context.Context, con *console, started *[]*mproc.Process) error {
	con.Printf("\n8. Producers and customers: ten producers put a food each; two customers loop { sleep %v; q.get_nowait() }\n"+
		"   and break at the first Empty  →  q.TryGet() and errors.Is(err, mproc.ErrEmpty)", queuePollNap)
	q, err := mproc.NewQueue[string](0)
	if err != nil {
		return err
	}
	defer q.Close()
	var all []*mproc.Process
	for i := range 10 {
		p, err := queueProducer.Start(ctx, queueFoodArg{Console: con.path, Q: q, Name: "tank1", Food: fmt.Sprintf("Pig饲料%d", i)})
		if err != nil {
			return err
		}
		*started = append(*started, p.Process)
		all = append(all, p.Process)
	}
	var customers []*mproc.Proc[[]string]
	for _, name := range []string{"jason", "sean"} {
		c, err := queueCustomer.Start(ctx, queueFoodArg{Console: con.path, Q: q, Name: name})
		if err != nil {
			return err
		}
		*started = append(*started, c.Process)
		customers = append(customers, c)
	}
	for _, p := range all {
		if err := p.Join(ctx); err != nil {
			return err
		}
	}
	var eaten []string
	for _, c := range customers {
		ate, err := c.Wait(ctx)
		if err != nil {
			return err
		}
		eaten = append(eaten, ate...)
	}
	left := 0
	for {
		if _, err := q.TryGet(); err != nil {
			break
		}
		left++
	}
	if len(eaten)+left != 10 || len(slices.Compact(slices.Sorted(slices.Values(eaten)))) != len(eaten) {
		return fmt.Errorf("queue-basics: %d eaten (%v) and %d left, want 10 foods, each eaten once", len(eaten), eaten, left)
	}
	con.Printf("main: %d foods eaten, %d left in the queue. Polling stops at the first moment the queue is empty,\n"+
		"   even if a producer is still on its way: the end signal of producer-consumer is the sturdy way.", len(eaten), left)
	return queueChannel(con)
}

// queueChannel is the seed's third queue, queue.Queue(5): for threads, in
// one process. Go's is a buffered channel.
func queueChannel(con *console) error {
	con.Printf("\n9. queue.Queue(5), the threads' queue  →  ch := make(chan string, 5), Go's own")
	ch := make(chan string, 5)
	for _, s := range []string{"jason", "hcy", "hb", "zsb", "lh"} {
		ch <- s // q.put(s)
	}
	select { // q.put_nowait('sean')
	case ch <- "sean":
		return errors.New("queue-basics: a full channel took a sixth item")
	default:
		con.Printf("main: len(ch) = %d of %d; put_nowait('sean') → select with a default: full, not sent", len(ch), cap(ch))
	}
	var got []string
	for range 5 {
		got = append(got, <-ch) // q.get()
	}
	con.Printf("main: five receives → %v, first in, first out; between goroutines only: processes need mproc.Queue", got)
	return nil
}
