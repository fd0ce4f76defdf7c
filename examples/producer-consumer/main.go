// Command producer-consumer is the seeds' 生产者消费者模型: cooks put 包子
// (buns) on a Queue and eaters loop on q.get(). An eater would wait in
// q.get() forever once the cooks are done, so the main process joins every
// cook and then puts one None per eater (有几个消费者就应该发送几次结束信号
// None). In Go the queue carries *food and the sentinel is nil.
//
// Run it with: go run ./examples/producer-consumer
package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"mproc"
)

type food struct{ Name string }

type cookArg struct {
	Q    *mproc.Queue[*food]
	Name string
}

// producer makes three of its dish and puts each on the queue.
var producer = mproc.Register[cookArg, int]("producer-consumer.producer", func(ctx context.Context, a cookArg) (int, error) {
	for i := range 3 {
		time.Sleep(30 * time.Millisecond) // cooking takes a moment
		fmt.Printf("  %d made %s%d\n", os.Getpid(), a.Name, i)
		if err := a.Q.Put(ctx, &food{Name: fmt.Sprintf("%s%d", a.Name, i)}); err != nil {
			return i, err
		}
	}
	return 3, nil
})

// consumer eats until it gets None (nil) and returns how much it ate.
var consumer = mproc.Register[*mproc.Queue[*food], int]("producer-consumer.consumer", func(ctx context.Context, q *mproc.Queue[*food]) (int, error) {
	ate := 0
	for {
		res, err := q.Get(ctx)
		if err != nil {
			return ate, err
		}
		if res == nil { // if res is None: break
			fmt.Printf("  %d got None: stops after eating %d\n", os.Getpid(), ate)
			return ate, nil
		}
		ate++
		fmt.Printf("  %d ate %s\n", os.Getpid(), res.Name)
	}
})

func main() {
	mproc.Main()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "producer-consumer:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	queue, err := mproc.NewQueue[*food](0)
	if err != nil {
		return err
	}
	var cooks []*mproc.Proc[int]
	for _, dish := range []string{"包子", "骨头", "泔水"} {
		p, err := producer.Start(ctx, cookArg{Q: queue, Name: dish})
		if err != nil {
			return err
		}
		cooks = append(cooks, p)
	}
	var eaters []*mproc.Proc[int]
	for range 2 {
		c, err := consumer.Start(ctx, queue)
		if err != nil {
			return err
		}
		eaters = append(eaters, c)
	}
	made, ate := 0, 0
	for _, p := range cooks { // every cook must be done before the Nones go in
		n, err := p.Wait(ctx)
		if err != nil {
			return err
		}
		made += n
	}
	for range eaters {
		if err := queue.Put(ctx, nil); err != nil { // q.put(None)
			return err
		}
	}
	fmt.Printf("main: joined the cooks (%d made); put one None per eater\n", made)
	for _, c := range eaters {
		n, err := c.Wait(ctx)
		if err != nil {
			return err
		}
		ate += n
	}
	if ate != made {
		return fmt.Errorf("the eaters ate %d, the cooks made %d", ate, made)
	}
	fmt.Printf("main: made %d, eaten %d: every eater stopped at its None\n", made, ate)
	return mproc.Shutdown(ctx)
}
