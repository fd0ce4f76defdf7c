package chaos

import (
	"bytes"
	"context"
	"flag"
	"os"
	"testing"
	"time"

	"mproc"
	"mproc/internal/testmain"
)

// soakFor is the soak's length: -chaos.soak, else $MPROC_CHAOS_SOAK, else
// 30 s (what CI runs); at most 5 s with -short.
var soakFor = flag.Duration("chaos.soak", envDuration("MPROC_CHAOS_SOAK", 30*time.Second), "how long TestSoak runs (at most 5s with -short)")

func envDuration(name string, def time.Duration) time.Duration {
	if d, err := time.ParseDuration(os.Getenv(name)); err == nil {
		return d
	}
	return def
}

func TestMain(m *testing.M) {
	mproc.Main()
	testmain.Run(m) // the subreaper, the tests, mproc.Shutdown
}

// testRuns is how many times TestCases runs each case.
const testRuns = 3

// Every case, a few times, at the small scale: each run must pass.
func TestCases(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	for _, c := range Cases() {
		t.Run(c.Name, func(t *testing.T) {
			r := Run(ctx, []Case{c}, Options{Runs: testRuns, Scale: Small})[0]
			t.Logf("%d runs, %d failures, worst %v", r.Runs, r.Failures, r.Worst)
			for _, e := range r.Errors {
				t.Error(e)
			}
			if r.Runs < testRuns {
				t.Errorf("%d runs of %d: %v", r.Runs, testRuns, ctx.Err())
			}
		})
	}
}

// Workloads side by side with random kills, for -chaos.soak: every Map,
// queue, manager and family invariant holds throughout, and the process is
// back to where it began at the end.
func TestSoak(t *testing.T) {
	d := *soakFor
	if testing.Short() {
		d = min(d, 5*time.Second)
	}
	ctx, cancel := context.WithTimeout(context.Background(), d+3*time.Minute)
	defer cancel()
	results, err := Soak(ctx, d)
	var table bytes.Buffer
	WriteTable(&table, results)
	t.Logf("soak of %v:\n%s", d, table.String())
	for _, r := range results {
		if r.Failures > 0 {
			t.Errorf("%s: %d of %d runs failed", r.Case, r.Failures, r.Runs)
		}
	}
	if err != nil {
		t.Error(err)
	}
	if results[0].Kills == 0 {
		t.Error("the soak killed no pool worker")
	}
}
