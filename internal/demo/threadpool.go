package demo

import (
	"context"
	"fmt"
	"os"
	"sync"
	"time"

	"mproc"
)

// The seeds' thread pool: p_pool = ThreadPoolExecutor(50), and
// p_pool.submit(task1, n).add_done_callback(get_result) in a loop; task1
// prints, sleeps and returns 'tank', and get_result prints obj.result().
// In Go a thread pool is a pool of goroutines: mproc.GoExecutor, whose
// Futures are the process pool's.

const (
	threadpoolThreads = 50
	threadpoolTasks   = 200
	threadpoolWork    = 20 * time.Millisecond // the seed's time.sleep(5), scaled down
	threadpoolProcs   = 4
	threadpoolShow    = 3 // tasks and callbacks that print; the rest are counted
)

type threadpoolArg struct {
	Console string
	N       int
	WorkMs  int
}

type threadpoolResult struct {
	Text string // the seed's 'tank'
	N    int
	Pid  int // where task1 ran
}

// threadpoolTask1 is the seed's task1(n), registered, so that it can run on
// a process pool as well as on goroutines.
var threadpoolTask1 = mproc.Register[threadpoolArg, threadpoolResult]("demo.threadpool.task1", func(a threadpoolArg) threadpoolResult {
	if a.N <= threadpoolShow {
		say(a.Console, "  from task1...%d   (pid %d)", a.N, os.Getpid())
	}
	time.Sleep(time.Duration(a.WorkMs) * time.Millisecond)
	return threadpoolResult{Text: "tank", N: a.N, Pid: os.Getpid()}
})

func init() {
	add(Demo{
		Name:  "threadpool",
		Title: "ThreadPoolExecutor(50): submit and add_done_callback, on goroutines and on processes, with one Future type",
		Intro: "The seeds' thread pool: ThreadPoolExecutor(50) runs at most 50 tasks at once, and " +
			"pool.submit(task1, n).add_done_callback(get_result) calls get_result with the finished future. In Go " +
			"a thread is a goroutine: mproc.NewGoExecutor(50) starts 50 goroutines, mproc.Go submits a closure, " +
			"Future.OnDone is add_done_callback. 200 tasks of 20ms take about 4 × 20ms. A registered function " +
			"can be submitted, with Func.Submit, to either a GoExecutor or a process Pool: both are an " +
			"mproc.Executor and give the same *mproc.Future, so the same callback takes either.",
		Run: stage(runThreadpool),
	})
}

func runThreadpool(ctx context.Context, con *console, _ *[]*mproc.Process) error {
	ex, err := mproc.NewGoExecutor(threadpoolThreads)
	if err != nil {
		return err
	}
	defer func() { ex.CancelPending(); ex.Shutdown(context.Background()) }()
	con.Printf("main: pid %d; p_pool = ThreadPoolExecutor(%d)  →  ex, _ := mproc.NewGoExecutor(%d)", os.Getpid(), threadpoolThreads, threadpoolThreads)

	// 1. Closures on goroutines.
	con.Printf("\n1. p_pool.submit(task1, n).add_done_callback(get_result), n = 1..%d  →  mproc.Go(ctx, ex, task1).OnDone(getResult)", threadpoolTasks)
	var (
		mu      sync.Mutex
		results = map[int]string{}
		wg      sync.WaitGroup
	)
	getResult := func(obj *mproc.Future[string]) { // the seed's get_result(obj)
		defer wg.Done()
		result, err := obj.Get(ctx) // obj.result(): done already, so it does not wait
		if err != nil {
			con.Printf("  get_result: %v", err)
			return
		}
		var n int
		fmt.Sscanf(result, "tank %d", &n)
		mu.Lock()
		results[n] = result
		mu.Unlock()
		if n <= threadpoolShow {
			con.Printf("  get_result: obj.result() = %q", result)
		}
	}
	t0 := time.Now()
	for n := 1; n <= threadpoolTasks; n++ {
		wg.Add(1)
		mproc.Go(ctx, ex, func(ctx context.Context) (string, error) { // task1(n)
			if n <= threadpoolShow {
				con.Printf("  from task1...%d", n)
			}
			time.Sleep(threadpoolWork)
			return fmt.Sprintf("tank %d", n), nil
		}).OnDone(getResult)
	}
	if err := waitGroup(ctx, &wg); err != nil {
		return err
	}
	took := time.Since(t0)
	rounds := (threadpoolTasks + threadpoolThreads - 1) / threadpoolThreads
	con.Printf("  ... (the other %d tasks and callbacks print nothing)", threadpoolTasks-threadpoolShow)
	con.Printf("main: %d results of %d tasks in %v: %d goroutines at a time, about %d × %v (one after another: %v)",
		len(results), threadpoolTasks, took.Round(time.Millisecond), threadpoolThreads, rounds, threadpoolWork,
		threadpoolTasks*threadpoolWork)
	if len(results) != threadpoolTasks {
		return fmt.Errorf("threadpool: %d results, want %d", len(results), threadpoolTasks)
	}

	// 2. One registered function, two executors.
	con.Printf("\n2. One registered function, task1, submitted with threadpoolTask1.Submit(ctx, ex, arg) to two mproc.Executors:")
	pool, err := mproc.NewPool(ctx, mproc.WithWorkers(threadpoolProcs))
	if err != nil {
		return err
	}
	defer func() { pool.Terminate(); pool.Join(context.Background()) }()
	for _, e := range []struct {
		name string
		ex   mproc.Executor
		size int
	}{
		{fmt.Sprintf("mproc.NewGoExecutor(%d), goroutines", threadpoolThreads), ex, threadpoolThreads},
		{fmt.Sprintf("mproc.NewPool(ctx, mproc.WithWorkers(%d)), processes", threadpoolProcs), pool, threadpoolProcs},
	} {
		con.Printf("   on %s:", e.name)
		n, pids, took, err := threadpoolRound(ctx, con, e.ex)
		if err != nil {
			return err
		}
		rounds := (threadpoolTasks + e.size - 1) / e.size
		con.Printf("   → %d results in %v (%d at a time: about %d × %v), computed in pids %v",
			n, took.Round(time.Millisecond), e.size, rounds, threadpoolWork, pids)
		if n != threadpoolTasks {
			return fmt.Errorf("threadpool: %d results on %s, want %d", n, e.name, threadpoolTasks)
		}
	}
	con.Printf("   The same code, the same *mproc.Future[threadpoolResult] and the same callback on both. On goroutines\n"+
		"   task1 ran in this process (pid %d); on the pool, in its %d worker processes. For waiting (I/O, sleeps),\n"+
		"   goroutines are cheap and fifty is nothing; processes cost memory and a start each, and pay off for CPU\n"+
		"   work on several cores, or when a task must be killable or isolated.", os.Getpid(), threadpoolProcs)

	con.Printf("\nmain: p_pool.shutdown()  →  ex.Shutdown(ctx); pool.Close(); pool.Join(ctx)")
	if err := ex.Shutdown(ctx); err != nil {
		return err
	}
	pool.Close()
	return pool.Join(ctx)
}

// threadpoolRound submits threadpoolTasks runs of task1 to ex with a
// callback each, and returns how many results the callbacks got, the pids
// that computed them, and the time.
func threadpoolRound(ctx context.Context, con *console, ex mproc.Executor) (int, []int, time.Duration, error) {
	var (
		mu      sync.Mutex
		results = map[int]bool{}
		pids    []int
		wg      sync.WaitGroup
	)
	getResult := func(obj *mproc.Future[threadpoolResult]) {
		defer wg.Done()
		r, err, _ := obj.Result()
		if err != nil {
			con.Printf("  get_result: %v", err)
			return
		}
		mu.Lock()
		results[r.N] = r.Text == "tank"
		pids = append(pids, r.Pid)
		mu.Unlock()
		if r.N <= threadpoolShow {
			con.Printf("  get_result: obj.result() = %+v", r)
		}
	}
	t0 := time.Now()
	for n := 1; n <= threadpoolTasks; n++ {
		wg.Add(1)
		threadpoolTask1.Submit(ctx, ex, threadpoolArg{Console: con.path, N: n, WorkMs: int(threadpoolWork / time.Millisecond)}).OnDone(getResult)
	}
	if err := waitGroup(ctx, &wg); err != nil {
		return 0, nil, 0, err
	}
	took := time.Since(t0)
	mu.Lock()
	defer mu.Unlock()
	n := 0
	for _, ok := range results {
		if ok {
			n++
		}
	}
	return n, uniq(pids), took, nil
}
