// Command isolation is the seeds' proof that processes don't share memory:
// number = 10 at module level; one child does `global number; number = 100`,
// another gets number as an argument and adds 100 to it. After joining both,
// the main process prints number: still 10.
//
// Run it with: go run ./examples/isolation
package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"mproc"
)

// number is the seed's global. Only children change it.
var number = 10

// setGlobal is the seed's func: global number; number = 100.
var setGlobal = mproc.Register[mproc.None, int]("isolation.func", func() int {
	number = 100
	fmt.Printf("  child %s: global number = 100 -> my number is %d\n", mproc.Current().Name(), number)
	return number
})

// addToArg is the seed's func2(number): number += 100 on its argument.
var addToArg = mproc.Register[int, int]("isolation.func2", func(n int) int {
	fmt.Printf("  child %s: got number=%d, number += 100 -> %d\n", mproc.Current().Name(), n, n+100)
	return n + 100
})

func main() {
	mproc.Main()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "isolation:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	fmt.Printf("main: number = %d\n", number)
	p1, err := setGlobal.Start(ctx, mproc.None{})
	if err != nil {
		return err
	}
	p2, err := addToArg.Start(ctx, number)
	if err != nil {
		return err
	}
	r1, err := p1.Wait(ctx)
	if err != nil {
		return err
	}
	r2, err := p2.Wait(ctx)
	if err != nil {
		return err
	}
	fmt.Printf("main: the children ended with %d and %d\n", r1, r2)
	fmt.Printf("main: print(number) -> %d\n", number)
	if r1 != 100 || r2 != 110 || number != 10 {
		return fmt.Errorf("want 100, 110 and an unchanged 10; got %d, %d and %d", r1, r2, number)
	}
	fmt.Println("main: still 10: each child changed its own copy of the program's memory")
	return mproc.Shutdown(ctx)
}
