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
	together, err := timed(ctx, false)
	if err != nil {
		return err
	}
	fmt.Printf("main: %v besides starting them (the longest child sleeps 300 ms)\n", together.Round(time.Millisecond))

	fmt.Println("2. start and join each in turn")
	inTurn, err := timed(ctx, true)
	if err != nil {
		return err
	}
	fmt.Printf("main: %v besides starting them (the sleeps add up to 600 ms)\n", inTurn.Round(time.Millisecond))

	// The overlap of the sleeps saves about 300 ms; half of it is a safe
	// margin on a busy machine.
	if inTurn-together < 150*time.Millisecond {
		return fmt.Errorf("joining from a list (%v) was not clearly faster than joining in turn (%v)", together, inTurn)
	}
	fmt.Println("main: joining from the list was faster: the children slept side by side")
	return mproc.Shutdown(ctx)
}

// timed runs the three children, joining each right after its start when
// inTurn is set, and returns the time spent not counting the starts, whose
// cost depends on the machine's load, not on how the children are joined.
func timed(ctx context.Context, inTurn bool) (time.Duration, error) {
	t0 := time.Now()
	var starting time.Duration
	var list []*mproc.Proc[mproc.None]
	for _, ms := range sleeps {
		s := time.Now()
		p, err := funa.Start(ctx, ms)
		if err != nil {
			return 0, err
		}
		starting += time.Since(s)
		list = append(list, p)
		if inTurn {
			if err := p.Join(ctx); err != nil {
				return 0, err
			}
		}
	}
	for _, p := range list {
		if err := p.Join(ctx); err != nil {
			return 0, err
		}
	}
	return time.Since(t0) - starting, nil
}
