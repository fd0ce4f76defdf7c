package bench

import (
	"context"
	"os"

	"mproc"
)

// rssProbe runs in a child and returns the child's resident set size in kB.
var rssProbe = mproc.Register[mproc.None, int]("bench.rss", vmRSS)

func init() {
	Register(Group{
		Name:    "rss",
		Metrics: []Metric{{Name: "child_rss", Unit: "KiB", Python: "child_rss_spawn"}},
		Run:     runRSS,
	})
}

// runRSS mirrors python_ref.py's child_rss: the VmRSS of a fresh child, read
// by the child itself while it runs its function. Like the Python, it
// measures one child.
func runRSS(ctx context.Context, _ float64) ([]Result, error) {
	kb, err := rssProbe.Call(ctx, mproc.None{})
	if err != nil {
		return nil, err
	}
	return []Result{{Name: "child_rss", Unit: "KiB", Value: float64(kb), N: 1}}, nil
}

// vmRSS reads VmRSS (in kB) from this process's status.
func vmRSS() (int, error) {
	kb, err := statusKiB(os.Getpid(), "VmRSS:")
	return int(kb), err
}
