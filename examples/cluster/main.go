// Command cluster is Ray's multiprocessing.Pool on a cluster, with
// mproc/cluster over NATS JetStream: a Map whose tasks any machine running
// this same program as a worker can take.
//
// Run it alone and it plays every part on this machine: it starts a NATS
// server with JetStream, two worker processes, and maps over them:
//
//	go run ./examples/cluster
//
// On several machines, point it at a NATS server (see the README's
// "Cluster" section for a three-node NATS cluster) and start workers:
//
//	go run ./examples/cluster worker nats://head:4222     # on each worker machine
//	go run ./examples/cluster map nats://head:4222        # anywhere
package main

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"time"

	"github.com/nats-io/nats-server/v2/server"

	"mproc"
	"mproc/cluster"
)

type result struct{ Square, Worker int }

// square runs in a child process of a worker; Worker is that worker's pid.
var square = mproc.Register[int, result]("cluster.square", func(n int) result {
	time.Sleep(30 * time.Millisecond)
	return result{Square: n * n, Worker: os.Getppid()}
})

// worker is a worker "machine" started by the all-in-one run.
var worker = mproc.Register[string, mproc.None]("cluster.worker", func(ctx context.Context, url string) error {
	return serve(ctx, url)
})

func main() {
	mproc.Main()
	ctx := context.Background()
	var err error
	switch {
	case len(os.Args) == 3 && os.Args[1] == "worker":
		err = serve(ctx, os.Args[2])
	case len(os.Args) == 3 && os.Args[1] == "map":
		err = mapOver(ctx, os.Args[2])
	case len(os.Args) == 1:
		err = allInOne(ctx)
	default:
		err = errors.New("usage: cluster [worker URL | map URL]")
	}
	if err != nil {
		log.Fatal(err)
	}
}

func serve(ctx context.Context, url string) error {
	c, err := cluster.Connect(ctx, url)
	if err != nil {
		return err
	}
	defer c.Close()
	fmt.Printf("  worker %d: serving %s\n", os.Getpid(), url)
	err = cluster.Serve(ctx, c, cluster.WithWorkers(2))
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

func mapOver(ctx context.Context, url string) error {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	c, err := cluster.Connect(ctx, url)
	if err != nil {
		return err
	}
	defer c.Close()
	pool, err := cluster.NewPool(ctx, c, "default", cluster.WithWorkers(4))
	if err != nil {
		return err
	}
	defer pool.Close()
	xs := make([]int, 12)
	for i := range xs {
		xs[i] = i
	}
	rs, err := square.Map(ctx, pool, xs, mproc.WithChunk(1))
	if err != nil {
		return err
	}
	squares, perWorker := make([]int, len(rs)), map[int]int{}
	for i, r := range rs {
		squares[i] = r.Square
		perWorker[r.Worker]++
	}
	fmt.Printf("main: pool.map(square, range(12)) -> %v\n", squares)
	fmt.Printf("main: tasks per worker pid: %v\n", perWorker)
	return nil
}

// allInOne plays the server, two workers and the client.
func allInOne(ctx context.Context) error {
	dir, err := os.MkdirTemp("", "mproc-example-cluster-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	ns, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: -1, JetStream: true, StoreDir: dir, NoSigs: true})
	if err != nil {
		return err
	}
	ns.Start()
	defer func() { ns.Shutdown(); ns.WaitForShutdown() }()
	if !ns.ReadyForConnections(10 * time.Second) {
		return errors.New("the NATS server did not start")
	}
	url := ns.ClientURL()
	fmt.Printf("main: NATS with JetStream at %s\n", url)
	var ws []*mproc.Proc[mproc.None]
	for range 2 {
		w, err := worker.Start(ctx, url)
		if err != nil {
			return err
		}
		ws = append(ws, w)
	}
	defer func() {
		for _, w := range ws {
			w.Terminate()
			w.Join(ctx)
		}
	}()
	return mapOver(ctx, url)
}
