package main

import (
	"errors"
	"os"

	"mproc/internal/bench"
	"mproc/progress"
)

// benchCmd is `mproc bench [--json] [--limits] [--python PATH] [--chart OUT.svg] [GROUP...]`.
type benchCmd struct {
	JSON   bool
	Python string
	Limits bool
	Chart  string   // where to write the SVG chart of the ratios; "" for none
	Groups []string // default: all
}

// Run measures the groups; progress goes to stderr (with a bar of the
// groups done when stderr is a terminal), results to stdout.
func (c *benchCmd) Run(a *app) error {
	groups, err := bench.Select(c.Groups)
	if err != nil {
		return err
	}
	bar := progress.New(len(groups), progress.WithWriter(a.stderr), progress.WithDescription("bench"))
	defer bar.Finish()
	cfg := bench.Config{
		Groups:   c.Groups,
		JSON:     c.JSON,
		Python:   c.Python,
		Limits:   c.Limits,
		Stdout:   a.stdout,
		Stderr:   bar.Writer(),
		Progress: func(done, _ int) { bar.Set(done) },
	}
	if c.Chart == "" {
		return bench.Run(a.ctx, cfg)
	}
	f, err := os.Create(c.Chart)
	if err != nil {
		return err
	}
	cfg.Chart = f
	return errors.Join(bench.Run(a.ctx, cfg), f.Close())
}
