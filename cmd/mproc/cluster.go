package main

import (
	"fmt"
	"os"

	"mproc/internal/natsembed"
)

// clusterCmd is `mproc cluster up`: a NATS server with JetStream, to try
// mproc/cluster on one machine.
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
	s, err := natsembed.Start(c.Host, c.Port, dir)
	if err != nil {
		return err
	}
	defer s.Stop()
	fmt.Fprintf(a.stdout, "NATS with JetStream at %s (store %s); Ctrl-C to stop\n", s.URL(), dir)
	fmt.Fprintf(a.stdout, "workers join with: mproc worker --nats %s\n", s.URL())
	<-a.ctx.Done()
	return nil
}
