package bench

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"

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

// vmRSS reads VmRSS (in kB) from /proc/self/status.
func vmRSS() (int, error) {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:")
		if !ok {
			continue
		}
		fields := strings.Fields(rest)
		if len(fields) != 2 || fields[1] != "kB" {
			return 0, fmt.Errorf("unexpected VmRSS line %q", sc.Text())
		}
		return strconv.Atoi(fields[0])
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	return 0, fmt.Errorf("no VmRSS line in /proc/self/status")
}
