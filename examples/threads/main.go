// Command threads is the seeds' threads, told with goroutines, Go's
// threads. A global set in a thread is seen by the main thread, while a
// child process changes only its own copy. Sharing has a price: 100 threads
// each doing `number -= 1` as a read, a moment's work and a write lose
// updates, and a Lock around the decrement fixes it. Then the seed's class
// MyThread(Thread), which in Go is a type with a Run method, and
// threading.Timer, which is time.AfterFunc.
//
// Run it with: go run ./examples/threads
package main

import (
	"context"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"mproc"
)

// number is the seed's global: number = 1000.
var number atomic.Int64

// task is the seed's task: global number; number = 100.
func task() int64 {
	number.Store(100)
	return number.Load()
}

var taskInChild = mproc.Register[mproc.None, int64]("threads.task", task)

func main() {
	mproc.Main()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "threads:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	number.Store(1000)
	if _, err := taskInChild.Call(ctx, mproc.None{}); err != nil { // Process(target=task); start; join
		return err
	}
	fmt.Printf("main: after task ran in a child process: number = %d (the child changed its own copy)\n", number.Load())
	var wg sync.WaitGroup
	wg.Go(func() { task() }) // Thread(target=task); start; join
	wg.Wait()
	fmt.Printf("main: after task ran in a goroutine: number = %d (one memory, shared)\n", number.Load())
	if number.Load() != 100 {
		return fmt.Errorf("the goroutine's change is not seen: number = %d", number.Load())
	}

	var racy atomic.Int64
	racy.Store(100)
	countDown(func() {
		n := racy.Load()
		time.Sleep(time.Millisecond) // the work between read and write
		racy.Store(n - 1)
	})
	fmt.Printf("main: 100 goroutines did number -= 1 without a lock: number = %d\n", racy.Load())
	if racy.Load() != 0 {
		fmt.Println("      decrements were lost: goroutines that read the same number wrote back the same result")
	}

	var mu sync.Mutex
	locked := 100
	countDown(func() {
		mu.Lock() // lock.acquire()
		defer mu.Unlock()
		n := locked
		time.Sleep(time.Millisecond)
		locked = n - 1
	})
	fmt.Printf("main: with a sync.Mutex around it: number = %d\n", locked)
	if locked != 0 {
		return fmt.Errorf("with the mutex number is %d, want 0", locked)
	}

	wg.Go(myThread{name: "MyThread-1"}.Run) // t = MyThread(); t.start()
	wg.Wait()

	fired := make(chan struct{})
	time.AfterFunc(20*time.Millisecond, func() { close(fired) }) // threading.Timer(0.02, f).start()
	select {
	case <-fired:
		fmt.Println("main: time.AfterFunc ran its function: Go's threading.Timer")
	case <-ctx.Done():
		return ctx.Err()
	}
	return mproc.Shutdown(ctx)
}

// myThread is class MyThread(Thread) with its run method.
type myThread struct{ name string }

func (t myThread) Run() {
	fmt.Printf("start...%s\n", t.name)
	fmt.Printf("end...%s\n", t.name)
}

// countDown runs dec in 100 goroutines that start together.
func countDown(dec func()) {
	var wg sync.WaitGroup
	start := make(chan struct{})
	for range 100 {
		wg.Go(func() {
			<-start
			dec()
		})
	}
	close(start)
	wg.Wait()
}
