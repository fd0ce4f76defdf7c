package main

import "mproc/internal/bench"

// benchCmd is `mproc bench [--json] [--limits] [--python PATH] [GROUP...]`.
type benchCmd struct {
	JSON   bool
	Python string
	Limits bool
	Groups []string // default: all
}

// Run measures the groups; progress goes to stderr, results to stdout.
func (c *benchCmd) Run(a *app) error {
	return bench.Run(a.ctx, bench.Config{
		Groups: c.Groups,
		JSON:   c.JSON,
		Python: c.Python,
		Limits: c.Limits,
		Stdout: a.stdout,
		Stderr: a.stderr,
	})
}
