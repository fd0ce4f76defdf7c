package mproc_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"mproc"
)

// barrierCounter is where a barrier's action counts its runs. An action
// takes no argument, so each process that may run one (the last to arrive
// in a round) points this at the shared counter it was given: the children
// from their argument, this process in TestBarrier's Action subtest, the
// only one here that is a party to a barrier with an action.
var barrierCounter atomic.Pointer[mproc.Value[int64]]

// barrierPartyArg: Rounds times, count in Arrived[round], Wait (with
// Timeout if set), then check that every party had arrived and that the
// action (if Actions is set) had run for this round.
type barrierPartyArg struct {
	B       *mproc.Barrier
	Rounds  int
	Arrived *mproc.Array[int32]
	Actions *mproc.Value[int64]
	Timeout time.Duration
}

// barrierPartyLoop is a party, in a child or a goroutine; it returns its
// arrival index in each round.
func barrierPartyLoop(ctx context.Context, a barrierPartyArg) ([]int32, error) {
	if a.Actions != nil {
		barrierCounter.Store(a.Actions)
	}
	var idx []int32
	for r := range a.Rounds {
		if a.Arrived != nil {
			a.Arrived.Update(func(s []int32) { s[r]++ })
		}
		wctx, cancel := ctx, context.CancelFunc(func() {})
		if a.Timeout > 0 {
			wctx, cancel = context.WithTimeout(ctx, a.Timeout)
		}
		i, err := a.B.Wait(wctx)
		cancel()
		if err != nil {
			return idx, err
		}
		idx = append(idx, int32(i))
		if a.Arrived != nil {
			if got := a.Arrived.Get(r); got != int32(a.B.Parties()) {
				return idx, fmt.Errorf("round %d: released with %d of %d parties arrived", r, got, a.B.Parties())
			}
		}
		if a.Actions != nil {
			if n := a.Actions.Load(); n != int64(r+1) {
				return idx, fmt.Errorf("round %d: released with the action run %d times", r, n)
			}
		}
	}
	return idx, nil
}

var (
	barrierParty = mproc.Register[barrierPartyArg, []int32]("test.sync.barrier.party", barrierPartyLoop)

	barrierAction = mproc.Register[mproc.None, mproc.None]("test.sync.barrier.action", func() error {
		c := barrierCounter.Load()
		if c == nil {
			return errors.New("no action counter in this process")
		}
		c.Add(1)
		return nil
	})

	barrierFailingAction = mproc.Register[mproc.None, mproc.None]("test.sync.barrier.failaction", func() error {
		return errors.New("the action failed on purpose")
	})

	// barrierStuckAction counts itself and never returns: the process
	// running it is killed, holding the barrier's state.
	barrierStuckAction = mproc.Register[mproc.None, mproc.None]("test.sync.barrier.stuckaction", func() error {
		c := barrierCounter.Load()
		if c == nil {
			return errors.New("no action counter in this process")
		}
		c.Add(1)
		time.Sleep(time.Hour)
		return nil
	})
)

func newBarrier(t *testing.T, parties int, opts ...mproc.BarrierOption) *mproc.Barrier {
	t.Helper()
	b, err := mproc.NewBarrier(parties, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// runParties runs children parties in children and goroutines parties in
// this process, and returns the indices of each round, sorted, or fails.
func runParties(t *testing.T, ctx context.Context, a barrierPartyArg, children, goroutines int) [][]int32 {
	t.Helper()
	var ps []*mproc.Proc[[]int32]
	for range children {
		ps = append(ps, startChild(t, ctx, barrierParty, a))
	}
	type result struct {
		idx []int32
		err error
	}
	res := make(chan result, goroutines)
	for range goroutines {
		go func() {
			idx, err := barrierPartyLoop(ctx, a)
			res <- result{idx, err}
		}()
	}
	const bound = 10 * time.Second // for a lost wake-up to fail the test
	var all [][]int32
	for range goroutines {
		r := receive(t, res, bound, "a party in this process")
		if r.err != nil {
			t.Fatalf("a party in this process: %v", r.err)
		}
		all = append(all, r.idx)
	}
	for _, p := range ps {
		all = append(all, waitWithin(t, ctx, bound, p))
	}
	rounds := make([][]int32, a.Rounds)
	for _, idx := range all {
		if len(idx) != a.Rounds {
			t.Fatalf("a party passed %d rounds of %d", len(idx), a.Rounds)
		}
		for r, i := range idx {
			rounds[r] = append(rounds[r], i)
		}
	}
	for r := range rounds {
		slices.Sort(rounds[r])
		want := make([]int32, children+goroutines)
		for i := range want {
			want[i] = int32(i)
		}
		if !slices.Equal(rounds[r], want) {
			t.Fatalf("round %d: indices %v, want each of 0..%d once", r, rounds[r], len(want)-1)
		}
	}
	return rounds
}

func TestBarrier(t *testing.T) {
	noChildLeft(t)
	parallel(t, "OneRound", testBarrierOneRound)
	parallel(t, "TenRounds", testBarrierTenRounds)
	parallel(t, "Action", testBarrierAction)
	parallel(t, "FailingAction", testBarrierFailingAction)
	parallel(t, "Abort", testBarrierAbort)
	parallel(t, "Reset", testBarrierReset)
	parallel(t, "BarrierTimeoutBreaksIt", testBarrierTimeout)
	parallel(t, "TimeoutErrorCrossesWithBothSentinels", testBarrierTimeoutErrorCrosses)
	parallel(t, "DeadlineOnEarlyWaiterBreaksIt", testBarrierDeadlineOnEarlyWaiter)
	parallel(t, "DeadParty", testBarrierDeadParty)
	parallel(t, "PartyKilledInAction", testBarrierPartyKilledInAction)
	parallel(t, "Parties", testBarrierParties)
}

// Four children and this process pass one round together.
func testBarrierOneRound(t *testing.T) {
	ctx := ctxTimeout(t, 30*time.Second)
	b := newBarrier(t, 5)
	runParties(t, ctx, barrierPartyArg{B: b, Rounds: 1, Arrived: newArray[int32](t, 1)}, 4, 1)
	if b.Waiting() != 0 || b.Broken() {
		t.Fatalf("after the round: waiting %d, broken %v", b.Waiting(), b.Broken())
	}
}

// Three children and this process pass ten rounds; in each, every index
// comes once and nobody passes before all arrived.
func testBarrierTenRounds(t *testing.T) {
	ctx := ctxTimeout(t, 30*time.Second)
	b := newBarrier(t, 4)
	runParties(t, ctx, barrierPartyArg{B: b, Rounds: 10, Arrived: newArray[int32](t, 10)}, 3, 1)
	if b.Waiting() != 0 || b.Broken() {
		t.Fatalf("after the rounds: waiting %d, broken %v", b.Waiting(), b.Broken())
	}
}

// The action runs exactly once per round, before any party is released:
// with three children and this process as parties, and with goroutines
// only.
func testBarrierAction(t *testing.T) {
	ctx := ctxTimeout(t, 30*time.Second)
	const rounds = 10
	actions := newValue[int64](t, 0)
	barrierCounter.Store(actions)
	b := newBarrier(t, 4, mproc.WithBarrierAction(barrierAction))
	runParties(t, ctx, barrierPartyArg{B: b, Rounds: rounds, Arrived: newArray[int32](t, rounds), Actions: actions}, 3, 1)
	if n := actions.Load(); n != rounds {
		t.Fatalf("the action ran %d times in %d rounds", n, rounds)
	}

	// One process, three goroutines.
	single := newValue[int64](t, 0)
	barrierCounter.Store(single)
	b = newBarrier(t, 3, mproc.WithBarrierAction(barrierAction))
	runParties(t, ctx, barrierPartyArg{B: b, Rounds: 5, Arrived: newArray[int32](t, 5), Actions: single}, 0, 3)
	if n := single.Load(); n != 5 {
		t.Fatalf("in one process, the action ran %d times in 5 rounds", n)
	}
	if n := actions.Load(); n != rounds {
		t.Fatalf("the first barrier's action ran again: %d", n)
	}
}

// An action that fails breaks the barrier: the party that ran it gets its
// error with ErrBrokenBarrier, the others ErrBrokenBarrier.
func testBarrierFailingAction(t *testing.T) {
	ctx := ctxTimeout(t, 30*time.Second)
	b := newBarrier(t, 2, mproc.WithBarrierAction(barrierFailingAction))
	p := startChild(t, ctx, barrierParty, barrierPartyArg{B: b, Rounds: 1})
	waitUntil(t, ctx, "the child waits at the barrier", func() bool { return b.Waiting() == 1 })
	_, err := b.Wait(ctx) // the last to arrive: runs the action here
	if !errors.Is(err, mproc.ErrBrokenBarrier) || !strings.Contains(err.Error(), "failed on purpose") {
		t.Fatalf("the party that ran the failing action got %v", err)
	}
	if _, err := p.Wait(ctx); !errors.Is(err, mproc.ErrBrokenBarrier) {
		t.Fatalf("the other party got %v", err)
	}
	if !b.Broken() {
		t.Fatal("not broken after its action failed")
	}
}

// Abort breaks the barrier: the waiters get ErrBrokenBarrier, and so does
// any later Wait, until Reset.
func testBarrierAbort(t *testing.T) {
	ctx := ctxTimeout(t, 30*time.Second)
	b := newBarrier(t, 3)
	a := barrierPartyArg{B: b, Rounds: 1}
	p1, p2 := startChild(t, ctx, barrierParty, a), startChild(t, ctx, barrierParty, a)
	waitUntil(t, ctx, "two children wait at the barrier", func() bool { return b.Waiting() == 2 })
	b.Abort()
	wctx, cancel := context.WithTimeout(ctx, wakeBound)
	defer cancel()
	for _, p := range []*mproc.Proc[[]int32]{p1, p2} {
		if _, err := p.Wait(wctx); !errors.Is(err, mproc.ErrBrokenBarrier) {
			t.Fatalf("a waiter after Abort: %v", err)
		}
	}
	if !b.Broken() {
		t.Fatal("Broken() is false after Abort")
	}
	var err error
	took := timed(func() { _, err = b.Wait(ctx) })
	if !errors.Is(err, mproc.ErrBrokenBarrier) {
		t.Fatalf("Wait on an aborted barrier = %v", err)
	}
	within(t, "Wait on a broken barrier", took, 0, time.Second)
	b.Reset()
	if b.Broken() {
		t.Fatal("still broken after Reset")
	}
	runParties(t, ctx, barrierPartyArg{B: b, Rounds: 2, Arrived: newArray[int32](t, 2)}, 2, 1)
}

// Reset releases the current waiters with ErrBrokenBarrier and leaves the
// barrier empty and usable.
func testBarrierReset(t *testing.T) {
	ctx := ctxTimeout(t, 30*time.Second)
	b := newBarrier(t, 3)
	a := barrierPartyArg{B: b, Rounds: 1}
	p1, p2 := startChild(t, ctx, barrierParty, a), startChild(t, ctx, barrierParty, a)
	waitUntil(t, ctx, "two children wait at the barrier", func() bool { return b.Waiting() == 2 })
	b.Reset()
	wctx, cancel := context.WithTimeout(ctx, wakeBound)
	defer cancel()
	for _, p := range []*mproc.Proc[[]int32]{p1, p2} {
		if _, err := p.Wait(wctx); !errors.Is(err, mproc.ErrBrokenBarrier) {
			t.Fatalf("a waiter after Reset: %v", err)
		}
	}
	if b.Broken() || b.Waiting() != 0 {
		t.Fatalf("after Reset: broken %v, waiting %d", b.Broken(), b.Waiting())
	}
	runParties(t, ctx, barrierPartyArg{B: b, Rounds: 3, Arrived: newArray[int32](t, 3)}, 2, 1)
}

// With WithBarrierTimeout, the early party (this process, whose ctx has no
// deadline) waits that long and breaks the barrier; the late party (a
// child) then gets ErrBrokenBarrier at once.
func testBarrierTimeout(t *testing.T) {
	ctx := ctxTimeout(t, 30*time.Second)
	const d = 200 * time.Millisecond
	b := newBarrier(t, 2, mproc.WithBarrierTimeout(d))
	res := make(chan error, 1)
	began := time.Now()
	go func() {
		_, err := b.Wait(context.Background())
		res <- err
	}()
	err := receive(t, res, d+3*time.Second, "Wait with only the barrier's timeout")
	took := time.Since(began)
	if !errors.Is(err, mproc.ErrBrokenBarrier) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("the early party = %v, want ErrBrokenBarrier and DeadlineExceeded", err)
	}
	within(t, "the early party with a 200ms barrier timeout", took, d, d+2*time.Second)
	if !b.Broken() {
		t.Fatal("not broken after a timeout")
	}
	started := time.Now()
	if _, err := startChild(t, ctx, barrierParty, barrierPartyArg{B: b, Rounds: 1}).Wait(ctx); !errors.Is(err, mproc.ErrBrokenBarrier) {
		t.Fatalf("the late party = %v", err)
	}
	within(t, "the late party's start and Wait", time.Since(started), 0, 2*time.Second)
}

// A child whose Wait times out (the barrier's timeout applies, as its ctx
// has no deadline) gets an error matching both ErrBrokenBarrier and
// DeadlineExceeded, as it would here; the parent's copy should match both.
func testBarrierTimeoutErrorCrosses(t *testing.T) {
	ctx := ctxTimeout(t, 30*time.Second)
	b := newBarrier(t, 2, mproc.WithBarrierTimeout(20*time.Millisecond))
	_, err := startChild(t, ctx, barrierParty, barrierPartyArg{B: b, Rounds: 1}).Wait(ctx)
	if !b.Broken() {
		t.Fatalf("not broken after the child's timeout (%v)", err)
	}
	if !errors.Is(err, mproc.ErrBrokenBarrier) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("a child's timed-out Wait, in the parent: %v; matches ErrBrokenBarrier %v, DeadlineExceeded %v; want both",
			err, errors.Is(err, mproc.ErrBrokenBarrier), errors.Is(err, context.DeadlineExceeded))
	}
}

// A deadline on the early party's ctx breaks the barrier for all: the early
// party after about the deadline, the late party (a child) at once.
func testBarrierDeadlineOnEarlyWaiter(t *testing.T) {
	ctx := ctxTimeout(t, 30*time.Second)
	b := newBarrier(t, 2)
	const d = 200 * time.Millisecond
	var err error
	took := timed(func() {
		dctx, cancel := context.WithTimeout(ctx, d)
		defer cancel()
		_, err = b.Wait(dctx)
	})
	if !errors.Is(err, mproc.ErrBrokenBarrier) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("the early party = %v", err)
	}
	within(t, "the early party with a 200ms deadline", took, d, d+2*time.Second)
	if _, err := startChild(t, ctx, barrierParty, barrierPartyArg{B: b, Rounds: 1}).Wait(ctx); !errors.Is(err, mproc.ErrBrokenBarrier) {
		t.Fatalf("the late party = %v", err)
	}
	if !b.Broken() {
		t.Fatal("not broken")
	}
	// Reset makes it usable again.
	b.Reset()
	runParties(t, ctx, barrierPartyArg{B: b, Rounds: 2, Arrived: newArray[int32](t, 2)}, 1, 1)
}

// A party with a deadline does not hang when another party is dead: one
// killed before it arrived, or one killed while it waited.
func testBarrierDeadParty(t *testing.T) {
	ctx := ctxTimeout(t, 30*time.Second)
	const d = 300 * time.Millisecond
	waitBroken := func(b *mproc.Barrier, what string) {
		t.Helper()
		var err error
		took := timed(func() {
			dctx, cancel := context.WithTimeout(ctx, d)
			defer cancel()
			_, err = b.Wait(dctx)
		})
		if !errors.Is(err, mproc.ErrBrokenBarrier) {
			t.Fatalf("%s: Wait = %v", what, err)
		}
		within(t, what, took, d, d+2*time.Second)
	}

	// Killed before it arrived.
	b := newBarrier(t, 2)
	p := startChild(t, ctx, blockUntilCancelled, mproc.None{})
	p.Kill()
	p.Join(ctx)
	waitBroken(b, "Wait with the other party killed before arriving")

	// Killed while waiting: its arrival counts, but the third party never
	// comes; the last one (a child, late) finds the barrier broken.
	b = newBarrier(t, 3)
	w := startChild(t, ctx, barrierParty, barrierPartyArg{B: b, Rounds: 1})
	waitUntil(t, ctx, "the child waits at the barrier", func() bool { return b.Waiting() == 1 })
	w.Kill()
	w.Join(ctx)
	waitBroken(b, "Wait with a party killed while waiting")
	if _, err := startChild(t, ctx, barrierParty, barrierPartyArg{B: b, Rounds: 1}).Wait(ctx); !errors.Is(err, mproc.ErrBrokenBarrier) {
		t.Fatalf("the late party = %v", err)
	}
}

// The last party runs the action holding the barrier's state; killed there,
// it does not hang a party with a deadline past its deadline.
func testBarrierPartyKilledInAction(t *testing.T) {
	ctx := ctxTimeout(t, 30*time.Second)
	const d = 1500 * time.Millisecond
	actions := newValue[int64](t, 0)
	b := newBarrier(t, 2, mproc.WithBarrierAction(barrierStuckAction))
	var err error
	var took time.Duration
	done := make(chan struct{})
	go func() {
		defer close(done)
		took = timed(func() {
			dctx, cancel := context.WithTimeout(ctx, d)
			defer cancel()
			_, err = b.Wait(dctx) // first: the child, last, runs the action
		})
	}()
	waitUntil(t, ctx, "this process waits at the barrier", func() bool { return b.Waiting() == 1 })
	p := startChild(t, ctx, barrierParty, barrierPartyArg{B: b, Rounds: 1, Actions: actions})
	waitUntil(t, ctx, "the child runs the action", func() bool { return actions.Load() == 1 })
	p.Kill()
	killed := time.Now()
	select {
	case <-done:
	case <-ctx.Done():
		t.Fatal("the party with a deadline hangs after the party in the action was killed")
	}
	if !errors.Is(err, mproc.ErrBrokenBarrier) {
		t.Fatalf("Wait = %v", err)
	}
	if took < d {
		t.Fatalf("Wait returned after %v, before its %v deadline", took, d)
	}
	within(t, "Wait after the kill", time.Since(killed), 0, max(d, time.Second)+time.Second)
}

func testBarrierParties(t *testing.T) {
	ctx := ctxTimeout(t, 10*time.Second)
	if _, err := mproc.NewBarrier(0); err == nil {
		t.Fatal("NewBarrier(0) succeeded")
	}
	b := newBarrier(t, 3)
	if b.Parties() != 3 || b.Waiting() != 0 || b.Broken() {
		t.Fatalf("a new barrier: parties %d, waiting %d, broken %v", b.Parties(), b.Waiting(), b.Broken())
	}
	one := newBarrier(t, 1)
	for range 3 {
		if i, err := one.Wait(ctx); i != 0 || err != nil {
			t.Fatalf("Wait on a barrier of one = %d, %v", i, err)
		}
	}
}
