// Command join is the seeds' timed join: three children sleep 1, 2 and 3
// seconds (here 100, 200 and 300 ms). Started together and joined from a
// list ([p.join() for p in p_lst]) they take about as long as the longest;
// started and joined one by one (p.start(); p.join() in the loop) they take
// the sum.
//
// Run it with: go run ./examples/join
package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"mproc"
)

// funa is the seed's funa: it sleeps for its argument.
var funa = mproc.Register[int, mproc.None]("join.funa", func(ms int) {
	time.Sleep(time.Duration(ms) * time.Millisecond) // the work
	fmt.Printf("  child %s: done after %d ms\n", mproc.Current().Name(), ms)
})

var sleeps = []int{100, 200, 300}

func main() {
	mproc.Main()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "join:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	fmt.Println("1. start all three, then join them from the list")
	t0 := time.Now()
	var list []*mproc.Proc[mproc.None]
	for _, ms := range sleeps {
		p, err := funa.Start(ctx, ms)
		if err != nil {
			return err
		}
		list = append(list, p)
	}
	for _, p := range list {
		if err := p.Join(ctx); err != nil {
			return err
		}
	}
	together := time.Since(t0)
	fmt.Printf("main: time spent %v (the longest child sleeps 300 ms)\n", together.Round(time.Millisecond))

	fmt.Println("2. start and join each in turn")
	t0 = time.Now()
	for _, ms := range sleeps {
		p, err := funa.Start(ctx, ms)
		if err != nil {
			return err
		}
		if err := p.Join(ctx); err != nil {
			return err
		}
	}
	inTurn := time.Since(t0)
	fmt.Printf("main: time spent %v (the sleeps add up to 600 ms)\n", inTurn.Round(time.Millisecond))

	// Both runs pay the same start-up costs; the overlap of the sleeps in the
	// first saves about 300 ms, so a 150 ms margin is safe on a busy machine.
	if inTurn-together < 150*time.Millisecond {
		return fmt.Errorf("joining from a list (%v) was not clearly faster than joining in turn (%v)", together, inTurn)
	}
	fmt.Println("main: joining from the list was faster: the children slept side by side")
	return mproc.Shutdown(ctx)
}
