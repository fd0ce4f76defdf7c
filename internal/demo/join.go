package demo

import (
	"context"
	"fmt"
	"time"

	"mproc"
)

// The seeds' timed join: children that sleep 1, 2 and 3 seconds (here 100,
// 200 and 300 ms), joined after all have started, take as long as the
// longest; joined one by one right after each start, they take the sum.

type joinArg struct {
	Console string
	Ms      int
}

var joinFuna = mproc.Register[joinArg, mproc.None]("demo.join.funa", func(a joinArg) {
	name := mproc.Current().Name()
	say(a.Console, "  child %s: sleeping %d ms", name, a.Ms)
	time.Sleep(time.Duration(a.Ms) * time.Millisecond) // the work
	say(a.Console, "  child %s: 我是a, done after %d ms", name, a.Ms)
})

var joinSleeps = []int{100, 200, 300}

func init() {
	add(Demo{
		Name:  "join",
		Title: "Join in a list: as long as the longest child, not the sum",
		Intro: "The seeds time three children that sleep 1, 2 and 3 seconds (here 100, 200 and 300 ms). Started " +
			"together and then joined from a list ([p.join() for p in p_lst]), they run side by side and the " +
			"total is about the longest. Joined right after each start (p.start(); p.join() in the loop), they " +
			"run one after another and the total is the sum.",
		Run: stage(runJoin),
	})
}

func runJoin(ctx context.Context, con *console, started *[]*mproc.Process) error {

	longest, sum := 0, 0
	for _, ms := range joinSleeps {
		longest, sum = max(longest, ms), sum+ms
	}

	con.Printf("1. Start all three, then join them from the list:")
	t0 := time.Now()
	var list []*mproc.Proc[mproc.None]
	var starting time.Duration
	for _, ms := range joinSleeps {
		s := time.Now()
		p, err := joinFuna.Start(ctx, joinArg{Console: con.path, Ms: ms})
		if err != nil {
			return err
		}
		starting += time.Since(s)
		*started = append(*started, p.Process)
		list = append(list, p)
	}
	for _, p := range list {
		if err := p.Join(ctx); err != nil {
			return err
		}
	}
	together := time.Since(t0)
	startTogether := starting
	con.Printf("main: 程序花费 (time spent): %v, of which %v starting the children; the rest, %v, ≈ the longest child (%d ms)",
		together.Round(time.Millisecond), starting.Round(time.Millisecond), (together - starting).Round(time.Millisecond), longest)

	con.Printf("\n2. Start and join each in turn:")
	t0 = time.Now()
	starting = 0
	for _, ms := range joinSleeps {
		s := time.Now()
		p, err := joinFuna.Start(ctx, joinArg{Console: con.path, Ms: ms})
		if err != nil {
			return err
		}
		starting += time.Since(s)
		*started = append(*started, p.Process)
		if err := p.Join(ctx); err != nil {
			return err
		}
	}
	inTurn := time.Since(t0)
	startInTurn := starting
	con.Printf("main: 程序花费 (time spent): %v, of which %v starting the children; the rest, %v, ≈ the sum (%d ms)",
		inTurn.Round(time.Millisecond), starting.Round(time.Millisecond), (inTurn - starting).Round(time.Millisecond), sum)

	for _, p := range *started {
		if code, _ := p.ExitCode(); code != 0 {
			return fmt.Errorf("join: %v ended with exit code %d", p, code)
		}
	}
	// Both runs pay for starting the children one after another (each Start
	// waits until its child has taken its work), and start-up times vary with
	// the machine's load; what differs is that the sleeps overlap in the first
	// run, which saves sum-longest of the time not spent starting.
	runTogether, runInTurn := together-startTogether, inTurn-startInTurn
	saved := runInTurn - runTogether
	con.Printf("\nNot counting start-up, joining from the list saved %v: the two shorter children slept while the longest did.",
		saved.Round(time.Millisecond))
	switch {
	case runTogether < time.Duration(longest)*time.Millisecond*9/10:
		return fmt.Errorf("join: the children joined from a list ran for %v, less than the longest sleep (%d ms)", runTogether, longest)
	case runInTurn < time.Duration(sum)*time.Millisecond*9/10:
		return fmt.Errorf("join: the children joined in turn ran for %v, less than the sum of the sleeps (%d ms)", runInTurn, sum)
	case saved < time.Duration(sum-longest)*time.Millisecond/2:
		return fmt.Errorf("join: joining from a list (%v, %v of it starting) was not clearly faster than joining in turn (%v, %v of it starting)",
			together, startTogether, inTurn, startInTurn)
	}
	return nil
}
