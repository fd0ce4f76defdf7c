package main

import (
	"fmt"
	"strconv"
	"time"

	"mproc/internal/bench"
	"mproc/internal/load"
)

// loadCmd is `mproc load --addr HOST:PORT [--conns C] [--duration D]
// [--size B] [--churn] [--json]`.
type loadCmd struct {
	Addr     string
	Conns    int
	Duration time.Duration
	Size     int
	Churn    bool
	JSON     bool
}

// Run drives the server and prints the figures: a table, or JSON lines in
// the benchmarks' shape. Wrong replies or failed connections make it fail
// after printing, with the count and the first error.
func (c *loadCmd) Run(a *app) error {
	if c.Addr == "" {
		return fmt.Errorf("%w: --addr HOST:PORT is required", load.ErrBadOption)
	}
	opts := []load.Option{load.WithConns(c.Conns), load.WithDuration(c.Duration), load.WithSize(c.Size), load.WithChurn(c.Churn)}
	stop := elapsedBar(a, c.Duration, "load")
	res, err := load.Run(a.ctx, c.Addr, opts...)
	stop()
	if res.Conns == 0 { // nothing ran: bad options
		return err
	}
	if c.JSON {
		for _, r := range res.Rows() {
			fmt.Fprintln(a.stdout, bench.Result{Name: r.Name, Unit: r.Unit, Value: r.Value, N: r.N}.JSONLine())
		}
	} else {
		writeLoadTable(a, res)
	}
	if err != nil {
		return err
	}
	if res.Errors > 0 {
		return fmt.Errorf("%d errors; the first: %w", res.Errors, res.FirstError)
	}
	return nil
}

func writeLoadTable(a *app, res load.Result) {
	mode := "one connection per client"
	if res.Churn {
		mode = "a new connection per request"
	}
	fmt.Fprintf(a.stdout, "%s: %d clients, %d-byte messages, %s, %v\n", res.Addr, res.Conns, res.Size, mode, res.Elapsed.Round(time.Millisecond))
	const row = "%-12s  %-6s  %14s  %10s\n"
	fmt.Fprintf(a.stdout, row, "name", "unit", "value", "n")
	for _, r := range res.Rows() {
		fmt.Fprintf(a.stdout, row, r.Name, r.Unit, bench.FormatValue(r.Value), strconv.Itoa(r.N))
	}
}
