package mproc_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"mproc"
)

// Tests of what a pool and a GoExecutor do when things go wrong around the
// tasks: an input that fails, a Map that fails while chunks run, a
// Terminate while workers are stuck.

// relTask is the argument of relBlock.
type relTask struct {
	Dir  string // where it marks started-I and cancelled-I
	I    int
	Fail int  // > 0: fail once Fail others have started
	Now  bool // fail at once
}

// relBlockFor bounds how long relBlock waits for its ctx: a test that
// needs it cancelled waits for far less.
const relBlockFor = 30 * time.Second

var (
	// relBlock marks that it started, then waits for its ctx (at most
	// relBlockFor) and marks that it saw the cancellation. With Fail set it
	// fails instead, once Fail others run: they are running when Map fails.
	relBlock = mproc.Register[relTask, int]("test.pool.rel.block", func(ctx context.Context, a relTask) (int, error) {
		if a.Now {
			return 0, errors.New("rel: failed on purpose")
		}
		if a.Fail > 0 {
			for relCount(a.Dir, "started-") < a.Fail {
				select {
				case <-ctx.Done():
					return 0, ctx.Err()
				case <-time.After(2 * time.Millisecond):
				}
			}
			return 0, errors.New("rel: failed on purpose")
		}
		if err := relMark(a.Dir, "started", a.I); err != nil {
			return 0, err
		}
		select {
		case <-ctx.Done():
			return 0, errors.Join(ctx.Err(), relMark(a.Dir, "cancelled", a.I))
		case <-time.After(relBlockFor):
			return a.I, nil
		}
	})

	// relSpin burns CPU for d, ignoring its ctx.
	relSpin = mproc.Register[time.Duration, int]("test.pool.rel.spin", func(d time.Duration) int {
		n := 0
		for end := time.Now().Add(d); time.Now().Before(end); n++ {
		}
		return n
	})

	// relDeaf ignores SIGTERM and its ctx, and sleeps for d.
	relDeaf = mproc.Register[time.Duration, int]("test.pool.rel.deaf", func(d time.Duration) int {
		signal.Ignore(syscall.SIGTERM)
		time.Sleep(d)
		return os.Getpid()
	})
)

func relMark(dir, what string, i int) error {
	return os.WriteFile(filepath.Join(dir, fmt.Sprintf("%s-%d", what, i)), nil, 0o644)
}

// relCount counts the marks in dir whose names start with prefix.
func relCount(dir, prefix string) int {
	ents, _ := os.ReadDir(dir)
	n := 0
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), prefix) {
			n++
		}
	}
	return n
}

// relOurs reports whether pid is still this process's child: running, or
// a zombie not yet reaped. A pid gone, or reused by a process that is not
// ours, is not.
func relOurs(pid int) bool {
	_, ppid, ok := procStat(pid)
	return ok && ppid == os.Getpid()
}

// relExecutors runs f on a pool of n workers and on a GoExecutor of n
// goroutines, as parallel subtests.
func relExecutors(t *testing.T, n int, f func(t *testing.T, ctx context.Context, ex mproc.Executor)) {
	t.Run("Pool", func(t *testing.T) {
		t.Parallel()
		ctx := ctxTimeout(t, 90*time.Second)
		f(t, ctx, ptPool(t, ctx, mproc.WithWorkers(n)))
	})
	t.Run("GoExecutor", func(t *testing.T) {
		t.Parallel()
		ctx := ctxTimeout(t, 90*time.Second)
		f(t, ctx, ptGoExecutor(t, n))
	})
}

// ---- Terminate and Shutdown reap ----

// Terminate returns once every worker is gone and reaped (CPython's
// terminate joins its workers), even workers stuck in a task that ignores
// its ctx: one spinning, one asleep, one ignoring SIGTERM.
func TestPoolTerminateReapsStuckWorkers(t *testing.T) {
	t.Parallel()
	ctx := ctxTimeout(t, 60*time.Second)
	p := ptPool(t, ctx, mproc.WithWorkers(3))
	pids := ptWorkers(t, ctx, p, 3)
	futs := []*mproc.Future[int]{
		relSpin.Submit(ctx, p, time.Minute),
		ptStubborn.Submit(ctx, p, time.Minute),
		relDeaf.Submit(ctx, p, time.Minute),
	}
	ptPoll(t, ctx, "every worker runs its task", func() bool {
		ws := p.Workers()
		return len(ws) == 3 && ws[0].Task != "" && ws[1].Task != "" && ws[2].Task != ""
	})
	start := time.Now()
	if err := p.Terminate(); err != nil {
		t.Fatalf("Terminate: %v", err)
	}
	t.Logf("Terminate took %v", time.Since(start))
	for _, pid := range pids {
		if relOurs(pid) {
			st, _, _ := procStat(pid)
			t.Errorf("worker %d is still our child (state %c) after Terminate returned", pid, st)
		}
	}
	if ws := p.Workers(); len(ws) != 0 {
		t.Errorf("workers after Terminate: %+v", ws)
	}
	for i, f := range futs {
		if _, err := ptGet(t, f, 5*time.Second); !errors.Is(err, mproc.ErrTerminated) {
			t.Errorf("task %d: %v, want ErrTerminated", i, err)
		}
	}
}

// Shutdown returns once every worker is gone and reaped; when its ctx ends
// first (a task ignores its ctx) it says so, and a Terminate then ends it.
func TestPoolShutdownReaps(t *testing.T) {
	t.Parallel()
	ctx := ctxTimeout(t, 60*time.Second)
	p := ptPool(t, ctx, mproc.WithWorkers(2))
	pids := ptWorkers(t, ctx, p, 2)
	f := ptSleep.Submit(ctx, p, 50*time.Millisecond)
	if err := p.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if _, err := f.Get(ctx); err != nil {
		t.Errorf("a task of the pool shut down: %v", err)
	}
	for _, pid := range pids {
		if relOurs(pid) {
			t.Errorf("worker %d is still our child after Shutdown returned", pid)
		}
	}

	p = ptPool(t, ctx, mproc.WithWorkers(1))
	pids = ptWorkers(t, ctx, p, 1)
	ptStubborn.Submit(ctx, p, time.Minute)
	ptRunning(t, ctx, p, "test.pool.stubborn")
	sctx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	if err := p.Shutdown(sctx); !errors.Is(err, sctx.Err()) || sctx.Err() == nil {
		t.Fatalf("Shutdown past its ctx: %v, want ctx's error", err)
	}
	if err := p.Terminate(); err != nil {
		t.Fatalf("Terminate: %v", err)
	}
	if relOurs(pids[0]) {
		t.Errorf("worker %d is still our child after Terminate returned", pids[0])
	}
}

// ---- A failed Map stops what it started ----

// When Map fails, the chunks it had given out are cancelled: their tasks'
// ctx ends (they mark it and return), well before they would end on their
// own, and the executor takes a new Map at once.
func TestMapFailureCancelsRunning(t *testing.T) {
	t.Parallel()
	relExecutors(t, 3, func(t *testing.T, ctx context.Context, ex mproc.Executor) {
		dir := t.TempDir()
		args := []relTask{{Dir: dir, Fail: 2}}
		for i := 1; i < 6; i++ {
			args = append(args, relTask{Dir: dir, I: i})
		}
		start := time.Now()
		_, err := relBlock.Map(ctx, ex, args, mproc.WithChunk(1))
		if err == nil || !strings.Contains(err.Error(), "failed on purpose") {
			t.Fatalf("Map: %v, want item 0's error", err)
		}
		relCancelled(t, ctx, ex, dir, start, 2)
	})
}

// Stopping an Imap early cancels its chunks that are running, not only
// those not yet started.
func TestImapStopCancelsRunning(t *testing.T) {
	t.Parallel()
	relExecutors(t, 3, func(t *testing.T, ctx context.Context, ex mproc.Executor) {
		dir := t.TempDir()
		in := func(yield func(relTask) bool) {
			if !yield(relTask{Dir: dir, Fail: 2}) {
				return
			}
			for i := 1; i < 100; i++ {
				if !yield(relTask{Dir: dir, I: i}) {
					return
				}
			}
		}
		start := time.Now()
		for _, err := range relBlock.ImapUnordered(ctx, ex, in, mproc.WithInFlight(3)) {
			if err == nil || !strings.Contains(err.Error(), "failed on purpose") {
				t.Fatalf("Imap's first result: %v, want item 0's error", err)
			}
			break
		}
		relCancelled(t, ctx, ex, dir, start, 2)
	})
}

// A Map given up on, by its ctx or by Cancel of its MapAsync, cancels its
// running chunks as a failed one does.
func TestMapGivenUpCancelsRunning(t *testing.T) {
	t.Parallel()
	for _, how := range []string{"ctx", "Cancel"} {
		t.Run(how, func(t *testing.T) {
			t.Parallel()
			relExecutors(t, 3, func(t *testing.T, ctx context.Context, ex mproc.Executor) {
				dir := t.TempDir()
				args := []relTask{{Dir: dir, I: 0}, {Dir: dir, I: 1}, {Dir: dir, I: 2}}
				started := func() bool { return relCount(dir, "started-") == 3 }
				start := time.Now()
				if how == "ctx" {
					mctx, cancel := context.WithCancel(ctx)
					defer cancel()
					errc := make(chan error, 1)
					go func() { _, err := relBlock.Map(mctx, ex, args, mproc.WithChunk(1)); errc <- err }()
					ptPoll(t, ctx, "every task started", started)
					cancel()
					if err := <-errc; !errors.Is(err, context.Canceled) {
						t.Fatalf("Map cancelled: %v, want context.Canceled", err)
					}
				} else {
					fut := relBlock.MapAsync(ctx, ex, args, mproc.WithChunk(1))
					ptPoll(t, ctx, "every task started", started)
					if !fut.Cancel() {
						t.Fatal("Cancel of a running MapAsync: false")
					}
					if _, err := fut.Get(ctx); !errors.Is(err, mproc.ErrCancelled) {
						t.Fatalf("Get after Cancel: %v, want ErrCancelled", err)
					}
				}
				relCancelled(t, ctx, ex, dir, start, 2)
			})
		})
	}
}

// A worker holds the tasks it was given and has not started yet: when their
// Map fails it skips them, rather than start each and have it cancelled.
func TestMapFailureSkipsTasksAWorkerHolds(t *testing.T) {
	t.Parallel()
	ctx := ctxTimeout(t, 60*time.Second)
	p := ptPool(t, ctx, mproc.WithWorkers(1))
	dir := t.TempDir()
	args := []relTask{{Dir: dir, Now: true}}
	for i := 1; i < 10; i++ {
		args = append(args, relTask{Dir: dir, I: i})
	}
	start := time.Now()
	if _, err := relBlock.Map(ctx, p, args, mproc.WithChunk(1)); err == nil || !strings.Contains(err.Error(), "failed on purpose") {
		t.Fatalf("Map: %v, want item 0's error", err)
	}
	relCancelled(t, ctx, p, dir, start, 0)
	if n := relCount(dir, "started-"); n > 1 {
		t.Fatalf("%d tasks started after item 0 failed, want at most the one the worker took before it heard", n)
	}
}

// relCancelled checks that every relBlock task that started in dir saw its
// ctx cancelled within 10 s of start, that none runs any more, and that ex
// takes a new Map at once. At least `least` tasks must have started, or the
// test proves nothing.
func relCancelled(t *testing.T, ctx context.Context, ex mproc.Executor, dir string, start time.Time, least int) {
	t.Helper()
	bctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	ptPoll(t, bctx, "every started task is cancelled", func() bool {
		return relCount(dir, "cancelled-") == relCount(dir, "started-")
	})
	if p, ok := ex.(*mproc.Pool); ok {
		ptPoll(t, bctx, "every worker is idle", func() bool {
			for _, w := range p.Workers() {
				if w.Task != "" {
					return false
				}
			}
			return true
		})
	}
	n := relCount(dir, "started-")
	if n < least {
		t.Fatalf("%d tasks started: the test proves nothing", n)
	}
	t.Logf("%d running tasks cancelled within %v", n, time.Since(start))
	rs, err := ptSquare.Map(bctx, ex, ptRange(20))
	if err != nil || len(rs) != 20 || rs[19] != 361 {
		t.Fatalf("a Map after the failed one: %v, %v", rs, err)
	}
}

// ---- Imap's input fails ----

// errRelInput is the error an input fails with.
var errRelInput = errors.New("rel: the input failed")

// An input that fails at item k (an error, or a panic, in either form):
// the results of the items before it come out, then its error; the caller
// does not crash, and the executor takes a new Map. Chunks of 3 leave a
// part-filled chunk before the failure.
func TestImapInputFails(t *testing.T) {
	t.Parallel()
	relExecutors(t, 2, func(t *testing.T, ctx context.Context, ex mproc.Executor) {
		const k = 7
		isPanic := func(err error) bool {
			var pe *mproc.PanicError
			return errors.As(err, &pe) && pe.Value == "input breaks" && strings.Contains(pe.Stack, "pool_reliability_test.go")
		}
		isInput := func(err error) bool { return errors.Is(err, errRelInput) }
		fails := func(yield func(int, error) bool) {
			for i := range k {
				if !yield(i, nil) {
					return
				}
			}
			if yield(0, errRelInput) {
				t.Error("the input was read past its error")
			}
		}
		panics2 := func(yield func(int, error) bool) {
			for i := range k {
				if !yield(i, nil) {
					return
				}
			}
			panic("input breaks")
		}
		panics := func(yield func(int) bool) {
			for i := range k {
				if !yield(i) {
					return
				}
			}
			panic("input breaks")
		}
		for _, chunk := range []int{1, 3} {
			for _, ordered := range []bool{true, false} {
				imap2, imap := ptSquare.ImapSeq2, ptSquare.Imap
				if !ordered {
					imap2, imap = ptSquare.ImapUnorderedSeq2, ptSquare.ImapUnordered
				}
				opt := mproc.WithChunk(chunk)
				relInputFailed(t, ctx, ex, relCollect(t, imap2(ctx, ex, fails, opt)), k, ordered, isInput)
				relInputFailed(t, ctx, ex, relCollect(t, imap2(ctx, ex, panics2, opt)), k, ordered, isPanic)
				relInputFailed(t, ctx, ex, relCollect(t, imap(ctx, ex, panics, opt)), k, ordered, isPanic)
			}
		}
	})
}

// Stopping early over an input that panics in its cleanup returns
// normally: there is no one left to give the panic to.
func TestImapInputPanicsAfterStop(t *testing.T) {
	t.Parallel()
	relExecutors(t, 2, func(t *testing.T, ctx context.Context, ex mproc.Executor) {
		in := func(yield func(int) bool) {
			defer func() { panic("cleanup breaks") }()
			for i := 0; ; i++ {
				if !yield(i) {
					return
				}
			}
		}
		got := relCollect(t, func(yield func(int, error) bool) {
			for v, err := range ptSquare.Imap(ctx, ex, in) {
				if !yield(v, err) || v == 9 {
					return
				}
			}
		})
		if len(got) != 4 {
			t.Fatalf("%v, want 4 results", got)
		}
	})
}

// relResult is one item Imap yielded.
type relResult struct {
	v   int
	err error
}

// relCollect collects what seq yields, reporting a panic instead of
// crashing the test binary.
func relCollect(t *testing.T, seq func(func(int, error) bool)) (out []relResult) {
	t.Helper()
	defer func() {
		if v := recover(); v != nil {
			t.Errorf("the iteration panicked: %v (after %d results)", v, len(out))
		}
	}()
	for v, err := range seq {
		out = append(out, relResult{v, err})
	}
	return out
}

// relInputFailed checks what an Imap over an input that failed after k
// items yielded: their squares (in order when ordered), then one error
// that isWant accepts; and that ex takes a new Map.
func relInputFailed(t *testing.T, ctx context.Context, ex mproc.Executor, got []relResult, k int, ordered bool, isWant func(error) bool) {
	t.Helper()
	if len(got) != k+1 {
		t.Fatalf("ordered %v: %d items yielded, want %d results and the input's error: %v", ordered, len(got), k, got)
	}
	seen := map[int]bool{}
	for i, r := range got[:k] {
		if r.err != nil || ordered && r.v != i*i {
			t.Fatalf("ordered %v: item %d: %d, %v", ordered, i, r.v, r.err)
		}
		seen[r.v] = true
	}
	for i := range k {
		if !seen[i*i] {
			t.Fatalf("ordered %v: the result of item %d is missing: %v", ordered, i, got)
		}
	}
	if last := got[k]; !isWant(last.err) {
		t.Fatalf("ordered %v: the last item: %d, %v; want the input's error", ordered, last.v, last.err)
	}
	mctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if rs, err := ptSquare.Map(mctx, ex, ptRange(10)); err != nil || len(rs) != 10 || rs[9] != 81 {
		t.Fatalf("a Map after the failed input: %v, %v", rs, err)
	}
}
