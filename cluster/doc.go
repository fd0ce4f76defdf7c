// Package cluster runs mproc's Pool, Queue, Dict and Lock across machines,
// on a NATS server with JetStream.
//
// A Pool is an mproc.Executor: the registered functions of a program run
// on it with their usual verbs (F.Submit, F.Apply, F.Map, F.Imap...), but
// each task goes to a JetStream work-queue stream, and any machine that
// runs the same program with Serve takes tasks from it and runs them in
// local child processes (a local mproc.Pool, with its crash handling).
//
//	var Square = mproc.Register("square", func(x int) int { return x * x })
//
//	func main() {
//		mproc.Main()
//		c, _ := cluster.Connect(ctx, "nats://head:4222")
//		if os.Args[1] == "worker" {
//			log.Fatal(cluster.Serve(ctx, c, cluster.WithWorkers(8)))
//		}
//		pool, _ := cluster.NewPool(ctx, c, "default")
//		squares, err := Square.Map(ctx, pool, []int{1, 2, 3})
//	}
//
// What is guaranteed: a task is delivered at least once, and its result is
// stored once, under the task's id, so a task delivered twice (its worker
// died, or was slow to acknowledge) never completes its Future twice or
// with two different results. A worker acknowledges a task only after its
// result is stored, and sends progress heartbeats while it runs, so a task
// is redelivered only when its worker is gone. A task whose every delivery
// loses its worker, up to WithMaxDeliveries, fails with *DeliveryError.
//
// What is not: a task may run more than once (its side effects with it); a
// task's deadline is a wall-clock time, so machines' clocks must agree;
// and a Pool's futures live in the process that submitted them: if it
// dies, its tasks still run, but nobody collects their results (they
// expire with WithResultTTL).
//
// Tasks and workers are matched by version (WithVersion; by default a hash
// of the program's registered functions and their types): a worker of
// another version refuses the pool's tasks and Serve returns an error
// matching ErrVersionMismatch, rather than decode tasks it can't.
package cluster
