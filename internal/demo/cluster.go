package demo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"time"

	"mproc"
	"mproc/cluster"
	"mproc/internal/natsproc"
)

// Ray's multiprocessing.Pool on a cluster, on one machine: a NATS server
// with JetStream, two worker processes that join it (as `mproc worker`
// would, on other machines), and a Map spread over them.

const (
	clusterDemoWorkers = 2 // worker processes (the "machines")
	clusterDemoSlots   = 2 // tasks each runs at a time
	clusterDemoTasks   = 12
	clusterDemoWork    = 30 * time.Millisecond
)

type clusterWorkerArg struct {
	URL     string
	Console string
}

// clusterWorker is one worker "machine": it serves the demo's pool until
// it is terminated.
var clusterWorker = mproc.Register[clusterWorkerArg, mproc.None]("demo.cluster.worker", func(ctx context.Context, a clusterWorkerArg) error {
	c, err := cluster.Connect(ctx, a.URL)
	if err != nil {
		return err
	}
	defer c.Close()
	say(a.Console, "  worker %d: joined %s, running %d tasks at a time", os.Getpid(), a.URL, clusterDemoSlots)
	err = cluster.Serve(ctx, c, cluster.WithPool("demo"), cluster.WithWorkers(clusterDemoSlots))
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
})

type clusterSquare struct {
	Square int
	Worker int // the pid of the worker process that took the task
}

// clusterWork squares n in a worker's child process, slowly enough that
// both workers get a share.
var clusterWork = mproc.Register[int, clusterSquare]("demo.cluster.square", func(n int) clusterSquare {
	time.Sleep(clusterDemoWork)
	return clusterSquare{Square: n * n, Worker: os.Getppid()}
})

func init() {
	add(Demo{
		Name:  "cluster",
		Title: "Pool on a cluster: the same Map, spread over worker processes that join through NATS JetStream",
		Intro: "Ray runs multiprocessing.Pool on a cluster; mproc/cluster does it over NATS with JetStream. Here the " +
			"whole cluster is on this machine: a nats-server process, as `mproc cluster up` starts, and two worker " +
			"processes that join it, as `mproc worker --nats URL` would on other machines. cluster.NewPool is an mproc.Executor, so " +
			"the registered function's Map runs on it unchanged: each task goes to a work-queue stream, a worker " +
			"takes it, runs it in a child process of its own, stores the result once under the task's id, and only " +
			"then acknowledges it. Watch the two worker pids share the tasks.",
		Run:     stage(runCluster),
		Prepare: findServer,
	})
}

// findServer finds the nats-server the demo starts. Run from the source
// tree, the go tool may have to build it first (a minute or two, once):
// mproc does not link it, lest every child of the command carry it.
func findServer(ctx context.Context, w io.Writer) error {
	found := make(chan error, 1)
	go func() {
		_, err := natsproc.Locate(ctx)
		found <- err
	}()
	var err error
	select {
	case err = <-found:
	case <-time.After(time.Second):
		fmt.Fprintln(w, "main: building nats-server with the go tool (the first time only: a minute or two)")
		err = <-found
	}
	if err != nil {
		return fmt.Errorf("this demo needs a nats-server: %w", err)
	}
	return nil
}

func runCluster(ctx context.Context, con *console, started *[]*mproc.Process) error {
	dir, err := os.MkdirTemp("", "mproc-demo-cluster-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	srv, err := natsproc.Start(ctx, "127.0.0.1", -1, dir)
	if err != nil {
		return err
	}
	defer srv.Stop()
	con.Printf("main: NATS with JetStream at %s  (a nats-server process, pid %d: mproc cluster up)", srv.URL(), srv.Pid())
	c, err := cluster.Connect(ctx, srv.URL())
	if err != nil {
		return err
	}
	defer c.Close()
	pool, err := cluster.NewPool(ctx, c, "demo", cluster.WithWorkers(clusterDemoWorkers*clusterDemoSlots))
	if err != nil {
		return err
	}
	defer pool.Close()

	var workers []int
	for range clusterDemoWorkers {
		p, err := clusterWorker.Start(ctx, clusterWorkerArg{URL: srv.URL(), Console: con.path})
		if err != nil {
			return err
		}
		*started = append(*started, p.Process)
		workers = append(workers, p.Pid())
	}
	defer func() { // the workers hand back what they run and end
		for _, p := range *started {
			p.Terminate()
		}
	}()
	con.Printf("main: two workers started (pids %v)  (mproc worker --nats %s --workers %d)", workers, srv.URL(), clusterDemoSlots)

	xs := make([]int, clusterDemoTasks)
	for i := range xs {
		xs[i] = i
	}
	con.Printf("\nmain: pool.map(square, range(%d))  →  clusterWork.Map(ctx, pool, xs, mproc.WithChunk(1))", clusterDemoTasks)
	t0 := time.Now()
	rs, err := clusterWork.Map(ctx, pool, xs, mproc.WithChunk(1))
	if err != nil {
		return err
	}
	took := time.Since(t0)
	squares := make([]int, len(rs))
	perWorker := map[int]int{}
	for i, r := range rs {
		squares[i] = r.Square
		perWorker[r.Worker]++
	}
	con.Printf("main: %v in %v", squares, took.Round(time.Millisecond))
	for _, w := range workers {
		con.Printf("   worker %d ran %d of the %d tasks", w, perWorker[w], clusterDemoTasks)
	}
	for w := range perWorker {
		if !slices.Contains(workers, w) {
			return fmt.Errorf("cluster: a task came back from pid %d, not a worker", w)
		}
	}
	con.Printf("   Each task had an id and its result was stored once: had a worker died mid-task, JetStream\n" +
		"   would have given the task to the other after the ack wait, and the Future would still complete once.")
	return nil
}
