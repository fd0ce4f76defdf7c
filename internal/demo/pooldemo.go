package demo

import (
	"context"
	"fmt"
	"os"
	"slices"
	"sync"
	"time"

	"mproc"
)

// The seeds' process pool: Pool(3) is created once ("从无到有创建三个进程,
// 以后一直是这三个进程在执行任务": three processes, and from then on the same
// three run every task). work(n) prints its pid, sleeps and returns n**2;
// it is run ten times with apply (synchronous: one after another) and ten
// times with apply_async and a callback (three at a time), then map squares
// range(10).

const (
	poolDemoWorkers = 3
	poolDemoTasks   = 10
	poolDemoWork    = 50 * time.Millisecond // the seed's time.sleep(3), scaled down
)

type poolWorkArg struct {
	Console string
	N       int
	WorkMs  int
}

type poolWorkResult struct {
	Square int // n**2
	Pid    int // who computed it
}

// poolWork is the seed's work(n).
var poolWork = mproc.Register[poolWorkArg, poolWorkResult]("demo.pool.work", func(a poolWorkArg) poolWorkResult {
	say(a.Console, "  %d run   (%s: work(%d))", os.Getpid(), mproc.Current().Name(), a.N)
	time.Sleep(time.Duration(a.WorkMs) * time.Millisecond)
	return poolWorkResult{Square: a.N * a.N, Pid: os.Getpid()}
})

// poolSquare is the function of the seed's pool.map.
var poolSquare = mproc.Register[int, int]("demo.pool.square", func(n int) int { return n * n })

func init() {
	add(Demo{
		Name:  "pool",
		Title: "Pool(3): apply runs tasks one after another, apply_async three at a time, on the same three processes",
		Intro: "The seeds' process pool. Pool(3) starts three worker processes once; every task then runs on one " +
			"of them, so the same three pids come back again and again. apply (Func.Apply) waits for each task: " +
			"ten tasks of 50ms take about 500ms. apply_async (Func.Submit) returns a Future at once, and three " +
			"workers run the ten tasks three at a time: about 200ms. A callback (Future.OnDone) runs in the main " +
			"process when a result comes back. pool.map (Func.Map) squares range(10); AsyncResult's ready, " +
			"successful and wait are the Future's Result and Done; close and join end the pool. Last, a pool " +
			"whose initializer runs once in each worker, and terminate, which drops running tasks at once.",
		Run: stage(runPool),
	})
}

func runPool(ctx context.Context, con *console, _ *[]*mproc.Process) error {
	con.Printf("main: pid %d; p = Pool(%d)  →  mproc.NewPool(ctx, mproc.WithWorkers(%d))", os.Getpid(), poolDemoWorkers, poolDemoWorkers)
	p, err := mproc.NewPool(ctx, mproc.WithWorkers(poolDemoWorkers))
	if err != nil {
		return err
	}
	defer func() { p.Terminate(); p.Join(context.Background()) }() // after a failure: nothing left running
	arg := func(n int) poolWorkArg {
		return poolWorkArg{Console: con.path, N: n, WorkMs: int(poolDemoWork / time.Millisecond)}
	}
	var pids []int // every pid that ran a task

	// 1. apply: synchronous.
	con.Printf("\n1. for i in range(%d): res = p.apply(work, args=(i,))  →  poolWork.Apply(ctx, p, i): each call waits for its result", poolDemoTasks)
	t0 := time.Now()
	var squares, applyPids []int
	for i := range poolDemoTasks {
		r, err := poolWork.Apply(ctx, p, arg(i))
		if err != nil {
			return err
		}
		squares = append(squares, r.Square)
		applyPids = append(applyPids, r.Pid)
	}
	took := time.Since(t0)
	pids = append(pids, applyPids...)
	con.Printf("main: results %v in %v: one task after another (%d × %v = %v)", squares, took.Round(time.Millisecond),
		poolDemoTasks, poolDemoWork, poolDemoTasks*poolDemoWork)
	con.Printf("main: the pids that ran them, in order: %v", applyPids)
	if distinct(applyPids) == 1 {
		con.Printf("   One pid for all ten: mproc gives a task to the least busy worker and, among idle ones, to the one\n" +
			"   that finished last (it is still awake and takes the task at once; one idle for long sleeps and\n" +
			"   must be woken). With apply there is never more than one task, so one worker runs them all.\n" +
			"   CPython's workers race for a shared queue, so its seed printed three pids taking turns; either\n" +
			"   way no new process is started, and section 2 shows the three working at once.")
	}

	// 2. apply_async with a callback.
	con.Printf("\n2. res = p.apply_async(work, args=(i,), callback=Back)  →  fut := poolWork.Submit(ctx, p, i); fut.OnDone(back)")
	var (
		mu       sync.Mutex
		cbPids   []int
		cbsDone  sync.WaitGroup
		asyncRes []*mproc.Future[poolWorkResult]
	)
	back := func(f *mproc.Future[poolWorkResult]) { // the seed's Back: runs in the main process
		defer cbsDone.Done()
		r, err, _ := f.Result()
		if err != nil {
			con.Printf("  main (pid %d): callback: the task failed: %v", os.Getpid(), err)
			return
		}
		mu.Lock()
		cbPids = append(cbPids, os.Getpid())
		mu.Unlock()
		con.Printf("  main (pid %d): callback Back(%d): 你好完成 (done), computed by pid %d", os.Getpid(), r.Square, r.Pid)
	}
	t0 = time.Now()
	for i := range poolDemoTasks {
		fut := poolWork.Submit(ctx, p, arg(i))
		cbsDone.Add(1)
		fut.OnDone(back)
		asyncRes = append(asyncRes, fut)
	}
	con.Printf("main: all %d submitted in %v; the main process goes on while they run", poolDemoTasks, time.Since(t0).Round(10*time.Microsecond))
	squares = squares[:0]
	var asyncPids []int
	for _, fut := range asyncRes { // [res.get() for res in res_l]
		r, err := fut.Get(ctx)
		if err != nil {
			return err
		}
		squares = append(squares, r.Square)
		asyncPids = append(asyncPids, r.Pid)
	}
	took = time.Since(t0)
	if err := waitGroup(ctx, &cbsDone); err != nil {
		return fmt.Errorf("pool: waiting for the callbacks: %w", err)
	}
	pids = append(pids, asyncPids...)
	rounds := (poolDemoTasks + poolDemoWorkers - 1) / poolDemoWorkers
	con.Printf("main: [res.get() for res in res_l] → %v in %v: %d workers at a time (%d rounds × %v = %v)",
		squares, took.Round(time.Millisecond), poolDemoWorkers, rounds, poolDemoWork, time.Duration(rounds)*poolDemoWork)
	con.Printf("main: the pids that ran them: %v; %d distinct", asyncPids, distinct(asyncPids))
	con.Printf("main: %d callbacks ran, all in pid %v (the main process is %d)", len(cbPids), uniq(cbPids), os.Getpid())

	// 3. map.
	con.Printf("\n3. p.map(square, range(10))  →  poolSquare.Map(ctx, p, []int{0, ..., 9})")
	xs := make([]int, 10)
	for i := range xs {
		xs[i] = i
	}
	ys, err := poolSquare.Map(ctx, p, xs)
	if err != nil {
		return err
	}
	con.Printf("main: %v", ys)

	// The workers, and the end of the pool.
	var workerPids []int
	for i, w := range p.Workers() {
		con.Printf("main: PoolWorker-%d  pid %d  ran %d tasks", i+1, w.Pid, w.Done)
		workerPids = append(workerPids, w.Pid)
	}
	con.Printf("main: the pids that ran the %d tasks of apply and apply_async: %v", len(pids), uniq(pids))
	con.Printf("main: the pool's worker pids: %v", uniq(workerPids))
	for _, pid := range pids {
		if !slices.Contains(workerPids, pid) {
			return fmt.Errorf("pool: a task ran in pid %d, not one of the pool's workers %v", pid, workerPids)
		}
	}
	if len(uniq(workerPids)) != poolDemoWorkers {
		return fmt.Errorf("pool: %d distinct worker pids, want %d", len(uniq(workerPids)), poolDemoWorkers)
	}
	con.Printf("   %d tasks, %d processes: the pool started its workers once and reused them.", 2*poolDemoTasks+len(xs), poolDemoWorkers)
	if err := poolAsyncResult(ctx, con, p); err != nil {
		return err
	}
	con.Printf("\nmain: p.close(); p.join()")
	p.Close()
	if err := p.Join(ctx); err != nil {
		return err
	}
	con.Printf("main: the pool has ended: its workers exited once the submitted tasks were done")
	return poolInitAndTerminate(ctx, con)
}

// distinct counts the distinct values of xs.
func distinct(xs []int) int { return len(uniq(xs)) }

// uniq returns the distinct values of xs, sorted.
func uniq(xs []int) []int {
	out := slices.Clone(xs)
	slices.Sort(out)
	return slices.Compact(out)
}

// waitGroup waits for wg, or until ctx ends.
func waitGroup(ctx context.Context, wg *sync.WaitGroup) error {
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
