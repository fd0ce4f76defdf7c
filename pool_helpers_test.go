package mproc_test

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"mproc"
)

// ---- Functions the pool, future and executor tests run in workers ----
//
// Registered at package level, so that a worker (this test binary run
// again) has them too. Every name starts with "test.pool.".

// ptInitValue is set in a worker by its initializer and read back by a task.
var ptInitValue string

// ptHeld keeps the memory ptAlloc allocates referenced, so that the worker's
// resident size stays up after the task.
var ptHeld [][]byte

// ptTask is the argument of the tasks that mark a file, sleep and fail on
// demand.
type ptTask struct {
	Dir    string        // if set, the task creates Dir/ran-<X> when it starts
	X      int           // the value; the result is X*X
	FailAt int           // fail when X == FailAt (with FailAt >= 0)
	Sleep  time.Duration // cooperative sleep before the result
}

// ptAttempt is the argument of ptRetry.
type ptAttempt struct {
	Dir   string
	Block int // attempts 1..Block block for good (ignoring their ctx)
}

var (
	ptSquare = mproc.Register[int, int]("test.pool.square", func(x int) int { return x * x })
	ptPid    = mproc.Register[mproc.None, int]("test.pool.pid", func() int { return os.Getpid() })

	// ptSleep sleeps cooperatively (it returns when its ctx ends) and
	// returns its pid.
	ptSleep = mproc.Register[time.Duration, int]("test.pool.sleep", func(ctx context.Context, d time.Duration) (int, error) {
		select {
		case <-time.After(d):
			return os.Getpid(), nil
		case <-ctx.Done():
			return 0, ctx.Err()
		}
	})

	// ptStubborn sleeps ignoring its ctx.
	ptStubborn = mproc.Register[time.Duration, int]("test.pool.stubborn", func(d time.Duration) int {
		time.Sleep(d)
		return os.Getpid()
	})

	// ptDeadline returns its ctx's deadline (unix ns), or 0 without one.
	ptDeadline = mproc.Register[mproc.None, int64]("test.pool.deadline", func(ctx context.Context) int64 {
		if d, ok := ctx.Deadline(); ok {
			return d.UnixNano()
		}
		return 0
	})

	// ptBlock never returns on its own (it ignores its ctx).
	ptBlock = mproc.Register[mproc.None, int]("test.pool.block", func() int {
		time.Sleep(time.Hour)
		return 0
	})

	// ptCooperative returns its ctx's error when its ctx ends.
	ptCooperative = mproc.Register[mproc.None, int]("test.pool.cooperative", func(ctx context.Context) (int, error) {
		<-ctx.Done()
		return os.Getpid(), ctx.Err()
	})

	// ptWaitFile returns its pid once path exists (or its ctx ends).
	ptWaitFile = mproc.Register[string, int]("test.pool.waitfile", func(ctx context.Context, path string) (int, error) {
		for {
			if _, err := os.Stat(path); err == nil {
				return os.Getpid(), nil
			}
			select {
			case <-ctx.Done():
				return 0, ctx.Err()
			case <-time.After(2 * time.Millisecond):
			}
		}
	})

	// ptTouch creates the file it is given: proof that it ran.
	ptTouch = mproc.Register[string, int]("test.pool.touch", func(path string) (int, error) {
		return os.Getpid(), os.WriteFile(path, []byte("ran"), 0o644)
	})

	ptWork = mproc.Register[ptTask, int]("test.pool.work", func(ctx context.Context, a ptTask) (int, error) {
		if a.Dir != "" {
			if err := os.WriteFile(filepath.Join(a.Dir, fmt.Sprintf("ran-%d", a.X)), nil, 0o644); err != nil {
				return 0, err
			}
		}
		if a.Sleep > 0 {
			select {
			case <-time.After(a.Sleep):
			case <-ctx.Done():
				return 0, ctx.Err()
			}
		}
		if a.FailAt >= 0 && a.X == a.FailAt {
			return 0, fmt.Errorf("item %d failed on purpose", a.X)
		}
		return a.X * a.X, nil
	})

	ptFail = mproc.Register[string, int]("test.pool.fail", func(msg string) (int, error) {
		return 0, errors.New(msg)
	})
	ptPanic = mproc.Register[string, int]("test.pool.panic", func(msg string) int {
		panic(msg)
	})

	ptInit = mproc.Register[string, mproc.None]("test.pool.init", func(s string) {
		ptInitValue = s
	})
	ptInitFail = mproc.Register[string, mproc.None]("test.pool.initfail", func(s string) error {
		return errors.New(s)
	})
	// ptInitSlowFail fails after a while: tasks are given to the worker by
	// then.
	ptInitSlowFail = mproc.Register[string, mproc.None]("test.pool.initslowfail", func(s string) error {
		time.Sleep(300 * time.Millisecond)
		return errors.New(s)
	})
	ptInitGet = mproc.Register[int, string]("test.pool.initget", func(int) string { return ptInitValue })

	// ptAnyArg takes anything, to be given what can't be encoded.
	ptAnyArg = mproc.Register[any, int]("test.pool.anyarg", func(any) int { return 1 })

	// ptBadResult returns what can't be encoded: a func (0) or a chan (1).
	ptBadResult = mproc.Register[int, any]("test.pool.badresult", func(k int) any {
		if k == 0 {
			return func() {}
		}
		return make(chan int)
	})

	// ptAdd takes two arguments the Go way, as one struct.
	ptAdd = mproc.Register[pair, int]("test.pool.add", func(a pair) (int, error) { return a.A + a.B, nil })

	// ptAlloc allocates and touches mib MiB, keeps them referenced, and
	// returns its pid.
	ptAlloc = mproc.Register[int, int]("test.pool.alloc", func(mib int) int {
		b := make([]byte, mib<<20)
		for i := 0; i < len(b); i += 4096 {
			b[i] = 1
		}
		ptHeld = append(ptHeld, b)
		return os.Getpid()
	})

	// ptExit ends the worker with an exit code, in the middle of its task.
	ptExit = mproc.Register[int, int]("test.pool.exit", func(code int) int {
		os.Exit(code)
		return 0
	})

	// ptCrash crashes the worker: a panic on another goroutine takes the
	// whole process down (exit code 2).
	ptCrash = mproc.Register[mproc.None, int]("test.pool.crash", func() int {
		go panic("a goroutine of the task panics")
		time.Sleep(time.Hour) // the panic ends the process first
		return 0
	})

	// ptLen and ptMake move big arguments and results.
	ptLen = mproc.Register[[]byte, int]("test.pool.len", func(b []byte) int {
		sum := 0
		for _, c := range b {
			sum += int(c)
		}
		return sum
	})
	ptMake = mproc.Register[int, []byte]("test.pool.make", func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(i)
		}
		return b
	})

	// ptRSS is the worker's resident size in bytes.
	ptRSS = mproc.Register[mproc.None, int64]("test.pool.rss", func() (int64, error) {
		b, err := os.ReadFile("/proc/self/statm")
		if err != nil {
			return 0, err
		}
		f := strings.Fields(string(b))
		pages, err := strconv.ParseInt(f[1], 10, 64)
		return pages * int64(os.Getpagesize()), err
	})

	// ptRetry counts its attempts in files under Dir (attempt-N) and writes
	// its pid to pid-N; attempts up to Block then block for good.
	ptRetry = mproc.Register[ptAttempt, int]("test.pool.retry", func(a ptAttempt) (int, error) {
		n := 1
		for ; ; n++ {
			f, err := os.OpenFile(filepath.Join(a.Dir, fmt.Sprintf("attempt-%d", n)), os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
			if err == nil {
				f.Close()
				break
			}
			if !errors.Is(err, os.ErrExist) {
				return 0, err
			}
		}
		tmp := filepath.Join(a.Dir, fmt.Sprintf(".pid-%d", n))
		if err := os.WriteFile(tmp, []byte(strconv.Itoa(os.Getpid())), 0o644); err != nil {
			return 0, err
		}
		if err := os.Rename(tmp, filepath.Join(a.Dir, fmt.Sprintf("pid-%d", n))); err != nil {
			return 0, err
		}
		if n <= a.Block {
			time.Sleep(time.Hour)
		}
		return os.Getpid(), nil
	})
)

// ---- Harness ----

// ptArea makes t (a top-level test that is not parallel, with parallel
// subtests) check when it and its subtests are done that no child it
// started is left, no zombie either, and that /dev/shm is as it was.
func ptArea(t *testing.T) {
	t.Helper()
	noChildLeft(t)
	before := ptShm(t)
	t.Cleanup(func() {
		if after := ptShm(t); !slices.Equal(before, after) {
			t.Errorf("/dev/shm changed:\nbefore %q\nafter  %q", before, after)
		}
		if left := mproc.ActiveChildren(); len(left) > 0 {
			t.Logf("active children (started before this area): %v", left)
		}
	})
}

func ptShm(t *testing.T) []string {
	ents, err := os.ReadDir("/dev/shm")
	if err != nil {
		return nil
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	return names
}

// ptPool starts a pool that the test's cleanup terminates and joins.
func ptPool(t *testing.T, ctx context.Context, opts ...mproc.PoolOption) *mproc.Pool {
	t.Helper()
	p, err := mproc.NewPool(ctx, opts...)
	if err != nil {
		t.Fatalf("NewPool: %v", err)
	}
	t.Cleanup(func() { ptEnd(t, p) })
	return p
}

// ptEnd terminates p and joins it, checking that its workers are gone.
func ptEnd(t *testing.T, p *mproc.Pool) {
	t.Helper()
	var pids []int
	for _, w := range p.Workers() {
		pids = append(pids, w.Pid)
	}
	p.Terminate()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := p.Join(ctx); err != nil {
		t.Errorf("the pool did not end: %v", err)
		return
	}
	if ws := p.Workers(); len(ws) != 0 {
		t.Errorf("workers after Join: %+v", ws)
	}
	for _, pid := range pids {
		if pid != 0 {
			ptGone(t, pid, 10*time.Second)
		}
	}
}

// ptGone polls until pid no longer runs (a zombie counts as gone: the
// area's check looks for zombies).
func ptGone(t *testing.T, pid int, d time.Duration) {
	t.Helper()
	deadline := time.Now().Add(d)
	for running(pid) {
		if time.Now().After(deadline) {
			t.Errorf("pid %d still running after %v", pid, d)
			return
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// ptPoll polls cond until it holds, failing the test when ctx ends.
func ptPoll(t *testing.T, ctx context.Context, what string, cond func() bool) {
	t.Helper()
	for !cond() {
		if ctx.Err() != nil {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// ptWorkers waits until p has n workers, all started, and returns their
// pids.
func ptWorkers(t *testing.T, ctx context.Context, p *mproc.Pool, n int) []int {
	t.Helper()
	var pids []int
	ptPoll(t, ctx, fmt.Sprintf("the pool has %d started workers", n), func() bool {
		pids = pids[:0]
		for _, w := range p.Workers() {
			if w.Pid == 0 {
				return false
			}
			pids = append(pids, w.Pid)
		}
		return len(pids) == n
	})
	return pids
}

// ptRunning waits until a worker of p runs task and returns its pid.
func ptRunning(t *testing.T, ctx context.Context, p *mproc.Pool, task string) int {
	t.Helper()
	pid := 0
	ptPoll(t, ctx, "a worker runs "+task, func() bool {
		for _, w := range p.Workers() {
			if w.Task == task && w.Pid != 0 {
				pid = w.Pid
				return true
			}
		}
		return false
	})
	return pid
}

// ptGet waits for f with a bound of d, failing the test if f's Get does not
// return by then (Get's ErrTimeout) — a hang.
func ptGet[T any](t *testing.T, f *mproc.Future[T], d time.Duration) (T, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	v, err := f.Get(ctx)
	if err != nil && ctx.Err() != nil && errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Get did not return within %v: %v", d, err)
	}
	return v, err
}

// ptCount returns a sequence of 0..n-1 that counts the items pulled from it
// and records that it returned.
func ptCount(n int, pulled *atomic.Int64, returned *atomic.Bool) iter.Seq[int] {
	return func(yield func(int) bool) {
		defer returned.Store(true)
		for i := range n {
			pulled.Add(1)
			if !yield(i) {
				return
			}
		}
	}
}

// ptRange returns 0..n-1.
func ptRange(n int) []int {
	xs := make([]int, n)
	for i := range xs {
		xs[i] = i
	}
	return xs
}

// ptRemote returns err as a *mproc.RemoteError, failing the test if it is not
// one.
func ptRemote(t *testing.T, err error) *mproc.RemoteError {
	t.Helper()
	var re *mproc.RemoteError
	if !errors.As(err, &re) {
		t.Fatalf("want a *mproc.RemoteError, got %T: %v", err, err)
	}
	return re
}

// pair is the argument of a function of two (CPython's starmap takes tuples).
type pair struct{ A, B int }
