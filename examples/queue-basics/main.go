// Command queue-basics is the seeds' first look at a Queue, in one process:
// q = Queue(3) takes three items; q.put_nowait() on the full queue raises
// queue.Full (队列已经满了); q.get() returns items first in, first out;
// q.get_nowait() on the empty queue raises queue.Empty (队列已经空了); and
// q.get(timeout=0.2) gives up after 0.2 s. In mproc, Full and Empty are the
// errors ErrFull and ErrEmpty, and a timeout is a deadline on the context.
// Then seed 000's producers and customers: ten producer processes put a food
// each, and two customer processes poll get_nowait every 0.5 s (50 ms here)
// until the queue is empty.
//
// Run it with: go run ./examples/queue-basics
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"mproc"
)

func main() {
	mproc.Main()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "queue-basics:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	q, err := mproc.NewQueue[string](3)
	if err != nil {
		return err
	}
	for _, name := range []string{"jason", "hcy", "hb"} {
		if err := q.Put(ctx, name); err != nil {
			return err
		}
		fmt.Printf("main: put %q, qsize=%d\n", name, q.Len())
	}
	fmt.Printf("main: full() = %v\n", q.Full())

	if err := q.TryPut("zsb"); !errors.Is(err, mproc.ErrFull) {
		return fmt.Errorf("put_nowait on a full queue: %v, want ErrFull", err)
	}
	fmt.Println("main: put_nowait(\"zsb\") -> ErrFull: 队列已经满了 (the queue is full)")

	for range 3 {
		v, err := q.Get(ctx)
		if err != nil {
			return err
		}
		fmt.Printf("main: get() -> %q\n", v)
	}
	if _, err := q.TryGet(); !errors.Is(err, mproc.ErrEmpty) {
		return fmt.Errorf("get_nowait on an empty queue: %v, want ErrEmpty", err)
	}
	fmt.Printf("main: get_nowait() -> ErrEmpty: 队列已经空了 (the queue is empty); empty() = %v\n", q.Empty())

	tctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond) // q.get(timeout=0.2)
	defer cancel()
	t0 := time.Now()
	_, err = q.Get(tctx)
	if !errors.Is(err, mproc.ErrEmpty) || !errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("a timed get on an empty queue: %v, want ErrEmpty and DeadlineExceeded", err)
	}
	fmt.Printf("main: get(timeout=0.2) gave up after %v with ErrEmpty\n", time.Since(t0).Round(10*time.Millisecond))

	if err := q.Close(); err != nil {
		return err
	}
	if err := q.Put(ctx, "sean"); !errors.Is(err, mproc.ErrClosed) {
		return fmt.Errorf("put after Close: %v, want ErrClosed", err)
	}
	fmt.Println("main: after Close, put fails with ErrClosed")
	if err := producersAndCustomers(ctx); err != nil {
		return err
	}
	return mproc.Shutdown(ctx)
}

type foodArg struct {
	Q          *mproc.Queue[string]
	Name, Food string
}

// producer is the seed's producer(name, food, q).
var producer = mproc.Register[foodArg, mproc.None]("queue-basics.producer", func(ctx context.Context, a foodArg) error {
	if err := a.Q.Put(ctx, a.Food); err != nil {
		return err
	}
	fmt.Printf("%s 生产了 %s 食物\n", a.Name, a.Food)
	return nil
})

// customer is the seed's customer(name, q): sleep, get_nowait, and break at
// the first Empty. It returns how many it ate.
var customer = mproc.Register[foodArg, int]("queue-basics.customer", func(ctx context.Context, a foodArg) (int, error) {
	ate := 0
	for {
		time.Sleep(50 * time.Millisecond)
		food, err := a.Q.TryGet()
		if errors.Is(err, mproc.ErrEmpty) {
			return ate, nil
		}
		if err != nil {
			return ate, err
		}
		ate++
		fmt.Printf("%s 吃了 %s 食物!\n", a.Name, food)
	}
})

func producersAndCustomers(ctx context.Context) error {
	q, err := mproc.NewQueue[string](0)
	if err != nil {
		return err
	}
	defer q.Close()
	var producers []*mproc.Proc[mproc.None]
	for i := range 10 {
		p, err := producer.Start(ctx, foodArg{Q: q, Name: "tank1", Food: fmt.Sprintf("Pig饲料%d", i)})
		if err != nil {
			return err
		}
		producers = append(producers, p)
	}
	var customers []*mproc.Proc[int]
	for _, name := range []string{"jason", "sean"} {
		c, err := customer.Start(ctx, foodArg{Q: q, Name: name})
		if err != nil {
			return err
		}
		customers = append(customers, c)
	}
	for _, p := range producers {
		if _, err := p.Wait(ctx); err != nil {
			return err
		}
	}
	eaten := 0
	for _, c := range customers {
		n, err := c.Wait(ctx)
		if err != nil {
			return err
		}
		eaten += n
	}
	fmt.Printf("main: the customers ate %d foods and stopped at the first empty queue; %d left\n", eaten, q.Len())
	return nil
}
