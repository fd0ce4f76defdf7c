package demo

import (
	"context"
	"fmt"

	"mproc"
)

// The seeds' isolation example: number = 10 at package level; func sets the
// global to 100 in one child, func2 adds 100 to its argument in another;
// the parent still has 10.

// number is the seed's global. Only children change it.
var number = 10

type isolationArg struct {
	Console string
	Number  int
}

// isolationFunc is the seed's func: global number; number = 100.
var isolationFunc = mproc.Register[isolationArg, int]("demo.isolation.func", func(a isolationArg) int {
	number = 100
	say(a.Console, "  child %s (func): global number = 100 -> the child's number is now %d", mproc.Current().Name(), number)
	return number
})

// isolationFunc2 is the seed's func2(number): number += 100 on its argument.
var isolationFunc2 = mproc.Register[isolationArg, int]("demo.isolation.func2", func(a isolationArg) int {
	n := a.Number
	n += 100
	say(a.Console, "  child %s (func2): got number=%d as an argument, number += 100 -> %d", mproc.Current().Name(), a.Number, n)
	return n
})

func init() {
	add(Demo{
		Name:  "isolation",
		Title: "Processes don't share memory: a global changed in a child stays unchanged in the parent",
		Intro: "The seed sets number = 10 at module level. One child does global number; number = 100, another " +
			"receives number as an argument and adds 100 to it. After joining both, the main process prints " +
			"number: still 10. Each child has its own copy of the program's memory; only arguments and " +
			"results cross between processes.",
		Run: stage(runIsolation),
	})
}

func runIsolation(ctx context.Context, con *console, started *[]*mproc.Process) error {

	con.Printf("main: number = %d", number)
	p1, err := isolationFunc.Start(ctx, isolationArg{Console: con.path})
	if err != nil {
		return err
	}
	*started = append(*started, p1.Process)
	p2, err := isolationFunc2.Start(ctx, isolationArg{Console: con.path, Number: number})
	if err != nil {
		return err
	}
	*started = append(*started, p2.Process)
	r2, err := p2.Wait(ctx) // p_obj2.join()
	if err != nil {
		return err
	}
	r1, err := p1.Wait(ctx) // p_obj.join()
	if err != nil {
		return err
	}
	con.Printf("main: both joined; the children ended with number = %d (func) and %d (func2)", r1, r2)
	con.Printf("main: print(number) -> %d", number)
	if r1 != 100 || r2 != 110 {
		return fmt.Errorf("isolation: the children computed %d and %d, want 100 and 110", r1, r2)
	}
	if number != 10 {
		return fmt.Errorf("isolation: the parent's number is %d, want 10", number)
	}
	con.Printf("   Still 10: each child changed its own copy. Data crosses between processes only when it is\n" +
		"   sent: here as arguments and results; in CPython's package also through queues, pipes and managers.")
	return nil
}
