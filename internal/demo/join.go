package demo

import (
	"context"
	"fmt"
	"time"

	"mproc"
)

// The seeds' timed join: funa(n) prints 我是a once a second for n seconds,
// and three children run it with n = 2, 3 and 4 (seed 004; here a step is
// 60 ms, not a second, to keep the tour short). Without join the main
// process's 程序花费 ("time spent") comes at once; joined from a list, the
// children take as long as the longest; joined right after each start (seed
// 001's p.join() inside the loop), they take the sum.

type joinArg struct {
	Console string
	Steps   int
}

// joinStep is the seed's time.sleep(1), scaled down.
const joinStep = 60 * time.Millisecond

var joinFuna = mproc.Register[joinArg, mproc.None]("demo.join.funa", func(a joinArg) {
	name := mproc.Current().Name()
	for i := 1; i <= a.Steps; i++ {
		time.Sleep(joinStep)
		say(a.Console, "  child %s: 我是a (%d of %d)", name, i, a.Steps)
	}
})

var joinSteps = []int{2, 3, 4} // the seed's a=[2,3,4]

func init() {
	add(Demo{
		Name:  "join",
		Title: "Join in a list: as long as the longest child, not the sum",
		Intro: "Seed 004's funa(n) sleeps one second n times, printing 我是a each time, and three children run it " +
			"with n = 2, 3 and 4 (here a step is 60 ms, not a second, to keep the tour short). Without join, the " +
			"main process prints 程序花费 (time spent) at once: only the time to start them. Joined from a list " +
			"(for p in b: p.join()), they run side by side and the total is about the longest, 4 steps. Joined " +
			"right after each start (seed 001's p.join() inside the loop), they run one after another and the " +
			"total is the sum, 9 steps.",
		Run: stage(runJoin),
	})
}

func runJoin(ctx context.Context, con *console, started *[]*mproc.Process) error {

	longest, sum := 0, 0
	for _, n := range joinSteps {
		longest, sum = max(longest, n), sum+n
	}
	longest, sum = longest*int(joinStep/time.Millisecond), sum*int(joinStep/time.Millisecond)

	con.Printf("1. for i in a: p = Process(target=funa, args=(i,)); p.start(); b.append(p)  (a = %v, steps of %v)", joinSteps, joinStep)
	t0 := time.Now()
	var list []*mproc.Proc[mproc.None]
	var starting time.Duration
	for _, n := range joinSteps {
		s := time.Now()
		p, err := joinFuna.Start(ctx, joinArg{Console: con.path, Steps: n})
		if err != nil {
			return err
		}
		starting += time.Since(s)
		*started = append(*started, p.Process)
		list = append(list, p)
	}
	noJoin := time.Since(t0)
	running, _ := list[len(list)-1].IsAlive()
	con.Printf("main: without join: 程序花费 (time spent) %v, only starting them; the %d-step child is still running: %v",
		noJoin.Round(time.Millisecond), joinSteps[len(joinSteps)-1], running)
	if !running {
		return fmt.Errorf("join: the %d-step child had ended when the main process went on without joining", joinSteps[len(joinSteps)-1])
	}
	con.Printf("\n   for p in b: p.join()")
	for _, p := range list {
		if err := p.Join(ctx); err != nil {
			return err
		}
	}
	together := time.Since(t0)
	startTogether := starting
	con.Printf("main: 程序花费 (time spent): %v, of which %v starting the children; the rest, %v, ≈ the longest child (%d ms)",
		together.Round(time.Millisecond), starting.Round(time.Millisecond), (together - starting).Round(time.Millisecond), longest)

	con.Printf("\n2. for i in a: p = Process(target=funa, args=(i,)); p.start(); p.join()")
	t0 = time.Now()
	starting = 0
	for _, n := range joinSteps {
		s := time.Now()
		p, err := joinFuna.Start(ctx, joinArg{Console: con.path, Steps: n})
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
	con.Printf("\nNot counting start-up, joining from the list saved %v: the two shorter children slept while the longest did.\n"+
		"(Seed 001 shows the same with five one-second children, joined inside the loop or from the list.)",
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
