package chaos

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"mproc"
)

func TestMain(m *testing.M) {
	mproc.Main()
	// The parent-killed case orphans processes on purpose: this process
	// adopts and reaps them (PID 1 in a container may not).
	if err := mproc.SetSubreaper(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	code := m.Run()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := mproc.Shutdown(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "Shutdown:", err)
		code = 1
	}
	os.Exit(code)
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
