// Command join is the seeds' timed join: funa(n) sleeps a second n times,
// printing 我是a each time, and three children run it with n = 2, 3 and 4
// (seed 004; here a step is 60 ms). Started together and joined from a list
// ([p.join() for p in p_lst]) they take about as long as the longest, 4
// steps; started and joined one by one (p.start(); p.join() in the loop)
// they take the sum, 9 steps.
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

// step is the seed's time.sleep(1), scaled down.
const step = 60 * time.Millisecond

// funa is the seed's funa(n): n steps, printing 我是a after each.
var funa = mproc.Register[int, mproc.None]("join.funa", func(n int) {
	for i := 1; i <= n; i++ {
		time.Sleep(step)
		fmt.Printf("  child %s: 我是a (%d of %d)\n", mproc.Current().Name(), i, n)
	}
})

var steps = []int{2, 3, 4} // the seed's a=[2,3,4]

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
	fmt.Printf("main: %v besides starting them (the longest child: 4 steps, 240 ms)\n", together.Round(time.Millisecond))

	fmt.Println("2. start and join each in turn")
	inTurn, err := timed(ctx, true)
	if err != nil {
		return err
	}
	fmt.Printf("main: %v besides starting them (the steps add up to 9, 540 ms)\n", inTurn.Round(time.Millisecond))

	// The overlap of the sleeps saves about 300 ms (5 steps); half of it is a safe
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
	for _, n := range steps {
		s := time.Now()
		p, err := funa.Start(ctx, n)
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
