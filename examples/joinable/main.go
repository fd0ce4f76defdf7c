// Command joinable is the seeds' JoinableQueue producer-consumer: consumers
// loop forever (res = q.get(); eat; q.task_done()); each producer puts its
// items and then waits in q.join() until every item has been processed. The
// consumers are daemons (p.daemon = True): once the main process has joined
// the producers everything has been eaten, and the consumers, still waiting
// in q.get(), end with the main process. No sentinel is needed.
//
// Run it with: go run ./examples/joinable
package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"mproc"
)

type eaterArg struct {
	Q     *mproc.JoinableQueue[string]
	Eaten *mproc.Value[int64]
}

// consumer never returns on its own.
var consumer = mproc.Register[eaterArg, mproc.None]("joinable.consumer", func(ctx context.Context, a eaterArg) error {
	for {
		res, err := a.Q.Get(ctx)
		if err != nil {
			return err
		}
		time.Sleep(10 * time.Millisecond) // eating takes a moment
		fmt.Printf("  %d ate %s\n", os.Getpid(), res)
		a.Eaten.Add(1)
		if err := a.Q.TaskDone(); err != nil { // q.task_done()
			return err
		}
	}
})

type cookArg struct {
	Q    *mproc.JoinableQueue[string]
	Name string
}

// producer puts three items, then waits in q.join() until they are processed.
var producer = mproc.Register[cookArg, mproc.None]("joinable.producer", func(ctx context.Context, a cookArg) error {
	for i := range 3 {
		if err := a.Q.Put(ctx, fmt.Sprintf("%s%d", a.Name, i)); err != nil {
			return err
		}
	}
	if err := a.Q.Join(ctx); err != nil {
		return err
	}
	fmt.Printf("  %d: q.join() returned: everything put so far has been eaten\n", os.Getpid())
	return nil
})

func main() {
	mproc.Main()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "joinable:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	q, err := mproc.NewJoinableQueue[string](0)
	if err != nil {
		return err
	}
	eaten, err := mproc.NewValue[int64](0)
	if err != nil {
		return err
	}
	var consumers []*mproc.Proc[mproc.None]
	for range 2 {
		c, err := consumer.Start(ctx, eaterArg{Q: q, Eaten: eaten}, mproc.WithDaemon(true))
		if err != nil {
			return err
		}
		consumers = append(consumers, c)
	}
	var producers []*mproc.Proc[mproc.None]
	for _, dish := range []string{"包子", "骨头", "泔水"} {
		p, err := producer.Start(ctx, cookArg{Q: q, Name: dish})
		if err != nil {
			return err
		}
		producers = append(producers, p)
	}
	for _, p := range producers {
		if _, err := p.Wait(ctx); err != nil {
			return err
		}
	}
	if n := eaten.Load(); n != 9 {
		return fmt.Errorf("after the producers' joins, %d eaten; want 9", n)
	}
	fmt.Printf("main: joined the producers; all %d items eaten; the consumers still wait in q.get()\n", eaten.Load())
	if err := mproc.Shutdown(ctx); err != nil { // what returning from main does: the daemons end
		return err
	}
	for _, c := range consumers {
		if alive, _ := c.IsAlive(); alive {
			return fmt.Errorf("daemon consumer %v outlived the main program", c)
		}
	}
	fmt.Println("main: ending; the daemon consumers ended with me, no sentinel needed")
	return nil
}
