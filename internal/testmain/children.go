package testmain

import (
	"context"
	"os"
	"os/exec"
	"slices"
	"testing"
	"time"

	"mproc"
	"mproc/internal/spawn"
)

// NoChildLeft makes t check, once it and its subtests are done, that
// ActiveChildren holds nothing that was not there when it began, and that
// this process has no zombie children.
func NoChildLeft(t *testing.T) {
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
			time.Sleep(5 * time.Millisecond) // a poll's pace: reaping has no event to wait on here
		}
	})
}

// StartChild starts f(arg) in a child. At cleanup it kills the child if it
// still runs (a test that failed half-way), joins it, and checks that it is
// neither listed in ActiveChildren nor a zombie.
func StartChild[A, R any](t *testing.T, ctx context.Context, f *mproc.Func[A, R], arg A) *mproc.Proc[R] {
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

// Python3 returns the interpreter's path for tests that talk to CPython.
// Without one the test is skipped, except in CI (CI=true), where that would
// hide a broken setup: there it fails.
func Python3(t *testing.T) string {
	t.Helper()
	py, err := exec.LookPath("python3")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("python3 is missing; CI needs it for the CPython interop tests")
		}
		t.Skip("python3 is missing: the CPython interop tests are skipped")
	}
	return py
}
