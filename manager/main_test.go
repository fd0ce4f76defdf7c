package manager_test

import (
	"context"
	"testing"
	"time"

	"mproc"
	"mproc/internal/testmain"
)

// TestMain runs a child's target when this binary was started as a child
// (mproc.Main), else the tests.
func TestMain(m *testing.M) {
	mproc.Main()
	testmain.Run(m) // the subreaper, the tests, mproc.Shutdown
}

func ctxTimeout(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// must(f())(t) is f's value, failing t on f's error.
func must[T any](v T, err error) func(t *testing.T) T {
	return func(t *testing.T) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

// waitOK waits for p's result and fails the test if it is an error.
func waitOK[R any](t *testing.T, ctx context.Context, p *mproc.Proc[R]) R {
	t.Helper()
	r, err := p.Wait(ctx)
	if err != nil {
		t.Fatalf("%v: %v", p, err)
	}
	return r
}

// waitUntil polls cond until it holds, failing the test when ctx ends first.
func waitUntil(t *testing.T, ctx context.Context, what string, cond func() bool) {
	t.Helper()
	for !cond() {
		if ctx.Err() != nil {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// stays checks that cond holds throughout d.
func stays(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	for end := time.Now().Add(d); time.Now().Before(end); time.Sleep(2 * time.Millisecond) {
		if !cond() {
			t.Fatalf("%s stopped holding", what)
		}
	}
}

// newQueue makes a queue that is closed when the test ends.
func newQueue[T any](t *testing.T, maxsize int) *mproc.Queue[T] {
	t.Helper()
	q, err := mproc.NewQueue[T](maxsize)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { q.Close() })
	return q
}
