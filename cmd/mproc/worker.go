package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	"mproc/cluster"
)

// workerCmd is `mproc worker`: this binary serves a cluster pool with its
// own registered functions (those of the tour's demos).
type workerCmd struct {
	NATS    string
	Pool    string
	Workers int
}

// Run serves until Ctrl-C or SIGTERM; tasks then running are handed back.
func (c *workerCmd) Run(a *app) error {
	if c.NATS == "" {
		return errors.New("worker needs --nats URL (mproc cluster up prints one)")
	}
	conn, err := cluster.Connect(a.ctx, c.NATS)
	if err != nil {
		return err
	}
	defer conn.Close()
	fmt.Fprintf(a.stdout, "worker %d serving pool %q of %s with %d processes; Ctrl-C to stop\n", os.Getpid(), c.Pool, c.NATS, c.Workers)
	err = cluster.Serve(a.ctx, conn, cluster.WithPool(c.Pool), cluster.WithWorkers(c.Workers))
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}
