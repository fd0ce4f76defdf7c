// Command nomain is a helper for mproc's tests: a program whose main does
// not call mproc.Main on every path.
//
//	nomain parent      calls mproc.Main, then starts a child; the child (run
//	                   with no arguments) takes the other path and never
//	                   calls mproc.Main, so Start must fail and kill it.
//	nomain forgetful   never calls mproc.Main, then tries to start a child.
//	nomain pool D      calls mproc.Main, then starts a pool of one worker
//	                   whose start timeout is D.
//	(no arguments)     the "user program": announces itself and runs on;
//	                   or, with NOMAIN_LATE=D in its environment, calls
//	                   mproc.Main after sleeping D: a child that is late to
//	                   Main, not without it.
package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"mproc"
)

var task = mproc.Register[mproc.None, mproc.None]("nomain.task", func() {})

func main() {
	if late, err := time.ParseDuration(os.Getenv("NOMAIN_LATE")); err == nil && len(os.Args) < 2 {
		time.Sleep(late)
		mproc.Main()
	}
	if len(os.Args) < 2 {
		fmt.Printf("USER PROGRAM RUNNING %d\n", os.Getpid())
		time.Sleep(time.Minute)
		fmt.Println("USER PROGRAM FINISHED")
		return
	}
	switch os.Args[1] {
	case "parent":
		mproc.Main()
	case "pool":
		mproc.Main()
		startPool(os.Args[2])
		return
	}
	start := time.Now()
	p, err := task.Start(context.Background(), mproc.None{})
	fmt.Printf("ELAPSED %d\n", time.Since(start).Milliseconds())
	fmt.Printf("CHILD %d\n", p.Pid())
	fmt.Printf("ERR %v\n", err)
}

func startPool(timeout string) {
	d, err := time.ParseDuration(timeout)
	if err != nil {
		fmt.Println("ERR", err)
		return
	}
	p, err := mproc.NewPool(context.Background(), mproc.WithWorkers(1), mproc.WithWorkerOptions(mproc.WithStartTimeout(d)))
	fmt.Printf("ERR %v\n", err)
	if err == nil {
		p.Terminate()
	}
}
