package mproc_test

// What mproc does on Windows, as the README says: the goroutine executor
// runs; starting a process and making a shared object fail with an error
// matching errors.ErrUnsupported that names what runs there. Built only for
// Windows; .ci/wine-test runs it under wine.

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"mproc"
)

var winSquare = mproc.Register[int, int]("test.windows.square", func(x int) int { return x * x })

// unsupported fails t unless err matches errors.ErrUnsupported and says
// what runs here.
func unsupported(t *testing.T, what string, err error) {
	t.Helper()
	switch {
	case err == nil:
		t.Errorf("%s: no error", what)
	case !errors.Is(err, errors.ErrUnsupported):
		t.Errorf("%s: %v does not match errors.ErrUnsupported", what, err)
	case !strings.Contains(err.Error(), "mproc.NewGoExecutor") || !strings.Contains(err.Error(), "mproc/cluster"):
		t.Errorf("%s: %q does not say what runs here", what, err)
	default:
		t.Logf("%s: %v", what, err)
	}
}

func TestWindowsStartUnsupported(t *testing.T) {
	t.Parallel()
	ctx := ctxTimeout(t, 10*time.Second)
	_, err := winSquare.Start(ctx, 3)
	unsupported(t, "Start", err)
	_, err = winSquare.Call(ctx, 3)
	unsupported(t, "Call", err)
	pool, err := mproc.NewPool(ctx, mproc.WithWorkers(1))
	if err == nil {
		pool.Close()
	}
	unsupported(t, "NewPool", err)
}

func TestWindowsGoExecutorRuns(t *testing.T) {
	t.Parallel()
	ctx := ctxTimeout(t, 10*time.Second)
	ex, err := mproc.NewGoExecutor(2)
	if err != nil {
		t.Fatal(err)
	}
	defer ex.Shutdown(ctx)
	if got, err := winSquare.Submit(ctx, ex, 7).Get(ctx); err != nil || got != 49 {
		t.Errorf("square(7) on the executor = %d, %v; want 49", got, err)
	}
	got, err := mproc.Go(ctx, ex, func(context.Context) (string, error) { return "ran", nil }).Get(ctx)
	if err != nil || got != "ran" {
		t.Errorf("a closure on the executor = %q, %v", got, err)
	}
	if got, err := winSquare.Map(ctx, ex, []int{1, 2, 3}); err != nil || len(got) != 3 || got[2] != 9 {
		t.Errorf("Map on the executor = %v, %v; want [1 4 9]", got, err)
	}
}

func TestWindowsSharedObjectsRefuse(t *testing.T) {
	t.Parallel()
	_, err := mproc.NewLock()
	unsupported(t, "NewLock", err)
	_, err = mproc.NewRLock()
	unsupported(t, "NewRLock", err)
	_, err = mproc.NewSemaphore(1)
	unsupported(t, "NewSemaphore", err)
	_, err = mproc.NewEvent()
	unsupported(t, "NewEvent", err)
	_, err = mproc.NewCondition(nil)
	unsupported(t, "NewCondition", err)
	_, err = mproc.NewBarrier(2)
	unsupported(t, "NewBarrier", err)
	_, err = mproc.NewQueue[int](0)
	unsupported(t, "NewQueue", err)
	_, err = mproc.NewSimpleQueue[int]()
	unsupported(t, "NewSimpleQueue", err)
	_, err = mproc.NewJoinableQueue[int](0)
	unsupported(t, "NewJoinableQueue", err)
	_, err = mproc.NewValue(1)
	unsupported(t, "NewValue", err)
	_, err = mproc.NewArray[int](3)
	unsupported(t, "NewArray", err)
	_, _, err = mproc.Pipe(true)
	unsupported(t, "Pipe", err)
	_, err = mproc.NewSharedMemory("", 4096)
	unsupported(t, "NewSharedMemory", err)
	_, err = mproc.AttachSharedMemory("mproc_any")
	unsupported(t, "AttachSharedMemory", err)
}
