package main

import (
	"fmt"
	"os"

	"mproc/internal/natsproc"
)

// clusterCmd is `mproc cluster up`: a NATS server with JetStream, to try
// mproc/cluster on one machine. The server is a nats-server process of
// its own (natsproc.Locate says where it comes from), not linked into this
// binary: every child of the command would carry it.
type clusterCmd struct {
	Host  string
	Port  int
	Store string
}

// Run serves until Ctrl-C or SIGTERM.
func (c *clusterCmd) Run(a *app) error {
	dir := c.Store
	if dir == "" {
		d, err := os.MkdirTemp("", "mproc-cluster-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(d)
		dir = d
	}
	s, err := natsproc.Start(a.ctx, c.Host, c.Port, dir)
	if err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "NATS with JetStream at %s (store %s, nats-server pid %d); Ctrl-C to stop\n", s.URL(), dir, s.Pid())
	fmt.Fprintf(a.stdout, "workers join with: mproc worker --nats %s\n", s.URL())
	select {
	case <-a.ctx.Done():
	case <-s.Done(): // it died on its own: Stop says how
	}
	return s.Stop()
}
