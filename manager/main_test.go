package manager_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"mproc"
	"mproc/internal/spawn"
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

// noChildLeft makes t check, once it and its subtests are done, that
// ActiveChildren holds nothing that was not there when it began, and that
// this process has no zombie children.
func noChildLeft(t *testing.T) {
	t.Helper()
	before := map[*mproc.Process]bool{}
	for _, p := range mproc.ActiveChildren() {
		before[p] = true
	}
	t.Cleanup(func() {
		deadline := time.Now().Add(10 * time.Second)
		for {
			var left []*mproc.Process
			for _, p := range mproc.ActiveChildren() {
				if !before[p] {
					left = append(left, p)
				}
			}
			z := spawn.ZombieChildren()
			if len(left) == 0 && len(z) == 0 {
				return
			}
			if time.Now().After(deadline) {
				t.Errorf("left behind: active children %v, zombies %v", left, z)
				return
			}
			time.Sleep(5 * time.Millisecond)
		}
	})
}

// startChild starts f(arg) in a child. At cleanup it kills the child if it
// still runs (a test that failed half-way), joins it, and checks that it is
// neither listed in ActiveChildren nor a zombie.
func startChild[A, R any](t *testing.T, ctx context.Context, f *mproc.Func[A, R], arg A) *mproc.Proc[R] {
	t.Helper()
	p, err := f.Start(ctx, arg)
	if err != nil {
		t.Fatalf("starting %s: %v", f.Name(), err)
	}
	t.Cleanup(func() {
		p.Kill()
		jctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := p.Join(jctx); err != nil {
			t.Errorf("%v did not end: %v", p, err)
			return
		}
		if slices.Contains(mproc.ActiveChildren(), p.Process) {
			t.Errorf("%v ended but is still in ActiveChildren", p)
		}
		if slices.Contains(spawn.ZombieChildren(), p.Pid()) {
			t.Errorf("%v (pid %d) is a zombie", p, p.Pid())
		}
	})
	return p
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
