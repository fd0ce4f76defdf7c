package demo

import (
	"context"
	"fmt"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"mproc"
)

// The seeds' threads, told with goroutines: threads share their process's
// memory (a global set in a thread is seen by the main thread), so an
// unsynchronized `number -= 1` in 100 threads loses updates, and a Lock
// fixes it; threading.local gives each thread its own copy of a variable;
// current_thread().name names the thread.

// threadsNumber is the seed's global: number = 1000.
var threadsNumber atomic.Int64

const (
	threadsStart    = 1000
	threadsCount    = 100 // the race: goroutines, and the number they count down from
	threadsRaceWork = time.Millisecond
	threadsLocals   = 10
)

type threadsArg struct{ Console string }

// threadsTask is the seed's task: global number; number = 100. It runs in a
// child process here, and in a goroutine below.
func threadsTask() int64 {
	threadsNumber.Store(100)
	return threadsNumber.Load()
}

var threadsInChild = mproc.Register[threadsArg, int64]("demo.threads.task", func(a threadsArg) int64 {
	n := threadsTask()
	say(a.Console, "  child %s (pid %d): global number; number = 100 -> its number is %d", mproc.Current().Name(), os.Getpid(), n)
	return n
})

type threadsWho struct {
	Name string
	Pid  int
}

// threadsWhoAmI is current_thread().name and .ident, for a process.
var threadsWhoAmI = mproc.Register[mproc.None, threadsWho]("demo.threads.whoami", func() threadsWho {
	return threadsWho{Name: mproc.Current().Name(), Pid: mproc.Current().Pid()}
})

func init() {
	add(Demo{
		Name:  "threads",
		Title: "Threads share memory, processes don't: the number -= 1 race, its Lock, threading.local and thread names",
		Intro: "The seeds' threads, told with goroutines, Go's threads. (a) A global set in a goroutine is seen by main; " +
			"set in a child process, it is not. (b) Sharing has a price: 100 goroutines each run number -= 1 as a " +
			"read, a moment's work and a write, and updates are lost. (c) A sync.Mutex around the decrement makes the " +
			"result exactly 0. (d) threading.local: Go has no thread-locals; a goroutine keeps its own values in " +
			"variables or a context. (e) current_thread().name: goroutines have no names or ids; mproc processes " +
			"have both (mproc.Current().Name(), Pid()).",
		Run: stage(runThreads),
	})
}

func runThreads(ctx context.Context, con *console, started *[]*mproc.Process) error {
	threadsNumber.Store(threadsStart)
	defer threadsNumber.Store(threadsStart)

	// (a) Shared memory.
	con.Printf("(a) number = %d; task() does global number; number = 100", threadsStart)
	p, err := threadsInChild.Start(ctx, threadsArg{Console: con.path})
	if err != nil {
		return err
	}
	*started = append(*started, p.Process)
	if _, err := p.Wait(ctx); err != nil {
		return err
	}
	afterChild := threadsNumber.Load()
	con.Printf("main: after Process(target=task) and join: print(number) -> %d   (the child changed its own copy)", afterChild)
	var wg sync.WaitGroup
	wg.Go(func() { threadsTask() }) // Thread(target=task).start()
	wg.Wait()                       // t.join()
	afterGoroutine := threadsNumber.Load()
	con.Printf("main: after Thread(target=task) (a goroutine) and join: print(number) -> %d   (one memory, shared)", afterGoroutine)
	if afterChild != threadsStart || afterGoroutine != 100 {
		return fmt.Errorf("threads: number is %d after the child and %d after the goroutine, want %d and 100", afterChild, afterGoroutine, threadsStart)
	}

	// (b) The race.
	con.Printf("\n(b) number = %d; %d goroutines each do number -= 1 without a lock: number2 = number; (%v of work); number = number2 - 1",
		threadsCount, threadsCount, threadsRaceWork)
	var racy atomic.Int64
	racy.Store(threadsCount)
	go1 := make(chan struct{})
	for range threadsCount {
		wg.Go(func() {
			<-go1
			number2 := racy.Load()
			time.Sleep(threadsRaceWork)
			racy.Store(number2 - 1)
		})
	}
	close(go1) // let them all go together, as threads started in a loop soon run side by side
	wg.Wait()
	got := racy.Load()
	if got != 0 {
		con.Printf("main: print(number) -> %d, not 0: %d of the %d decrements were lost. Goroutines that read the same\n"+
			"   number wrote back the same number2 - 1, each overwriting the others' work.", got, got, threadsCount)
	} else {
		con.Printf("main: print(number) -> 0: this time no decrement was lost, but nothing guarantees it")
	}
	con.Printf("   (Each read and write here is atomic on its own, as the GIL makes them in CPython; the decrement as a\n" +
		"   whole is not. On a plain int it would also be a data race, which Go does not define and which\n" +
		"   `go test -race` reports.)")

	// (c) The fix.
	con.Printf("\n(c) The same with a lock: mutex.Lock(); number2 = number; (work); number = number2 - 1; mutex.Unlock()")
	var (
		mu     sync.Mutex
		number = threadsCount
	)
	t0 := time.Now()
	go2 := make(chan struct{})
	for range threadsCount {
		wg.Go(func() {
			<-go2
			mu.Lock() // lock.acquire()
			defer mu.Unlock()
			number2 := number
			time.Sleep(threadsRaceWork)
			number = number2 - 1
		})
	}
	close(go2)
	wg.Wait()
	con.Printf("main: print(number) -> %d, exactly, in %v: the decrements ran one at a time", number, time.Since(t0).Round(time.Millisecond))
	if number != 0 {
		return fmt.Errorf("threads: with the mutex number is %d, want 0", number)
	}

	// (d) threading.local.
	con.Printf("\n(d) threading.local: obj = local(); task(i): obj.xxxxx = i; sleep; print(obj.xxxxx), in %d threads", threadsLocals)
	var (
		sharedMu sync.Mutex
		shared   int // obj.xxxxx on an ordinary, shared object
	)
	sharedSeen := make([]int, threadsLocals)
	ctxSeen := make([]int, threadsLocals)
	type xxxxxKey struct{}
	for i := range threadsLocals {
		wg.Go(func() {
			sharedMu.Lock()
			shared = i
			sharedMu.Unlock()
			// Go's thread-local: a value the goroutine carries, here in a context.
			ctx := context.WithValue(ctx, xxxxxKey{}, i)
			time.Sleep(50 * time.Millisecond)
			sharedMu.Lock()
			sharedSeen[i] = shared
			sharedMu.Unlock()
			ctxSeen[i] = ctx.Value(xxxxxKey{}).(int)
		})
	}
	wg.Wait()
	con.Printf("main: with one shared obj, goroutines 0..%d print %v: the last write won", threadsLocals-1, sharedSeen)
	con.Printf("main: with context.WithValue(ctx, key, i), they print %v: each its own", ctxSeen)
	con.Printf("   Go has no thread-locals: a goroutine may move between threads, and has no identity to hang\n" +
		"   values on. What threading.local is for, Go does with local variables, arguments and context values.")
	for i, v := range ctxSeen {
		if v != i {
			return fmt.Errorf("threads: goroutine %d saw %d in its context", i, v)
		}
	}

	// (e) current_thread().name and .ident.
	con.Printf("\n(e) current_thread().name, .ident")
	me := mproc.Current()
	con.Printf("main: goroutines have no name and no ident: the runtime keeps their ids to itself, on purpose.\n" +
		"   Name one by giving it a name (an argument, a context value, or runtime/pprof labels for profiles):")
	for i := range 3 {
		name := fmt.Sprintf("Thread-%d", i+1) // Thread(target=task, name=name)
		wg.Go(func() { con.Printf("  start...%s   (print(f'start...{current_thread().name}'))", name) })
	}
	wg.Wait()
	con.Printf("main: processes do have names and idents: mproc.Current().Name() -> %q, Pid() -> %d", me.Name(), me.Pid())
	var who []threadsWho
	for range 2 {
		p, err := threadsWhoAmI.Start(ctx, mproc.None{})
		if err != nil {
			return err
		}
		*started = append(*started, p.Process)
		w, err := p.Wait(ctx)
		if err != nil {
			return err
		}
		who = append(who, w)
	}
	con.Printf("main: two children report %q (pid %d) and %q (pid %d) for mproc.Current()", who[0].Name, who[0].Pid, who[1].Name, who[1].Pid)
	con.Printf("   Daemon threads have no Go counterpart either: when main returns, every goroutine ends with it,\n" +
		"   as if all were daemons. Wait for those that must finish, as t.join() does.")
	if slices.ContainsFunc(who, func(w threadsWho) bool { return w.Pid == os.Getpid() || w.Name == "MainProcess" }) {
		return fmt.Errorf("threads: a child reported the main process's name or pid: %v", who)
	}
	return threadsStyles(ctx, con)
}
