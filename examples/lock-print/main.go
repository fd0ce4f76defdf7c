// Command lock-print is the seeds' first lock: three processes print several
// lines each to the one terminal they share. Without a lock their lines
// interleave; with a Lock passed to every child, as in
// Process(target=work, args=(lock, i)), and lock.acquire()/lock.release()
// around the printing, each prints its whole block before the next starts:
// concurrent becomes serial (由并发变成了串行), slower but orderly.
//
// Run it with: go run ./examples/lock-print
package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"mproc"
)

type arg struct {
	N    int
	Go   *mproc.Event // set once all three are started, so that they print at the same time
	Lock *mproc.Lock  // nil: print without the lock
}

// span is when a child started and finished printing, in Unix nanoseconds,
// which all processes on the machine share.
type span struct{ From, To int64 }

var work = mproc.Register[arg, span]("lock-print.work", func(ctx context.Context, a arg) (span, error) {
	if err := a.Go.Wait(ctx); err != nil {
		return span{}, err
	}
	if a.Lock != nil {
		a.Lock.Lock()
		defer a.Lock.Unlock()
	}
	from := time.Now().UnixNano()
	fmt.Printf("  %d: pid %d is running\n", a.N, os.Getpid())
	for k := range 3 {
		time.Sleep(5 * time.Millisecond) // the seed's time.sleep(random.random()), scaled down
		fmt.Printf("  %d: line %d\n", a.N, k+1)
	}
	fmt.Printf("  %d: is done\n", a.N)
	return span{From: from, To: time.Now().UnixNano()}, nil
})

func main() {
	mproc.Main()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "lock-print:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	fmt.Println("1. without a lock: the lines may interleave")
	if _, err := round(ctx, nil); err != nil {
		return err
	}
	fmt.Println("2. with a shared mproc.Lock around the printing")
	lock, err := mproc.NewLock()
	if err != nil {
		return err
	}
	spans, err := round(ctx, lock)
	if err != nil {
		return err
	}
	for i, a := range spans {
		for _, b := range spans[i+1:] {
			if a.From < b.To && b.From < a.To {
				return fmt.Errorf("with the lock two children printed at the same time: %v and %v", a, b)
			}
		}
	}
	fmt.Println("main: with the lock each child printed its whole block alone")
	return mproc.Shutdown(ctx)
}

// round starts three children, lets them go at once, and returns when each printed.
func round(ctx context.Context, lock *mproc.Lock) ([]span, error) {
	start, err := mproc.NewEvent()
	if err != nil {
		return nil, err
	}
	var procs []*mproc.Proc[span]
	for n := range 3 {
		p, err := work.Start(ctx, arg{N: n, Go: start, Lock: lock})
		if err != nil {
			return nil, err
		}
		procs = append(procs, p)
	}
	start.Set()
	var spans []span
	for _, p := range procs {
		s, err := p.Wait(ctx)
		if err != nil {
			return nil, err
		}
		spans = append(spans, s)
	}
	return spans, nil
}
