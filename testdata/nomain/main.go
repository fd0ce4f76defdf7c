// Command nomain is a helper for mproc's tests: a program whose main does
// not call mproc.Main on every path.
//
//	nomain parent      calls mproc.Main, then starts a child; the child (run
//	                   with no arguments) takes the other path and never
//	                   calls mproc.Main, so Start must fail and kill it.
//	nomain forgetful   never calls mproc.Main, then tries to start a child.
//	(no arguments)     the "user program": announces itself and runs on.
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
	if len(os.Args) < 2 {
		fmt.Printf("USER PROGRAM RUNNING %d\n", os.Getpid())
		time.Sleep(time.Minute)
		fmt.Println("USER PROGRAM FINISHED")
		return
	}
	if os.Args[1] == "parent" {
		mproc.Main()
	}
	start := time.Now()
	p, err := task.Start(context.Background(), mproc.None{})
	fmt.Printf("ELAPSED %d\n", time.Since(start).Milliseconds())
	fmt.Printf("CHILD %d\n", p.Pid())
	fmt.Printf("ERR %v\n", err)
}
