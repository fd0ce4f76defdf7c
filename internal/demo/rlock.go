package demo

import (
	"context"
	"errors"
	"fmt"
	"time"

	"mproc"
)

// The seeds' RLock: a re-entrant lock may be taken again by its owner. Here
// a process takes an RLock in outer() and again in inner(), which outer
// calls, while another process waits for it; the same nesting with a plain
// Lock would wait for itself forever; and what "owner" means when a process
// has many goroutines.

type rlockArg struct {
	Console string
	RLock   *mproc.RLock
	Held    *mproc.Event // set by the holder once it has the lock twice
	Waiting *mproc.Event // set by the waiter just before it waits
}

// rlockHolder is outer(), which takes the lock and calls inner(), which
// takes it again.
var rlockHolder = mproc.Register[rlockArg, mproc.None]("demo.rlock.holder", func(ctx context.Context, a rlockArg) error {
	name := mproc.Current().Name()
	inner := func() error {
		if err := a.RLock.LockContext(ctx); err != nil {
			return err
		}
		say(a.Console, "  holder %s: inner(): lock.acquire() again: re-entered, held twice", name)
		a.Held.Set()
		if err := a.Waiting.Wait(ctx); err != nil {
			return err
		}
		time.Sleep(30 * time.Millisecond) // inner's work, while the waiter waits
		say(a.Console, "  holder %s: inner(): lock.release(): held once, still mine", name)
		a.RLock.Unlock()
		return nil
	}
	if err := a.RLock.LockContext(ctx); err != nil {
		return err
	}
	say(a.Console, "  holder %s: outer(): lock.acquire(): held once", name)
	if err := inner(); err != nil {
		return err
	}
	time.Sleep(30 * time.Millisecond) // outer's work after inner returns; the waiter still waits
	say(a.Console, "  holder %s: outer(): lock.release(): free", name)
	a.RLock.Unlock()
	return nil
})

// rlockWaiter waits for the lock the holder has, and reports how long it
// waited.
var rlockWaiter = mproc.Register[rlockArg, time.Duration]("demo.rlock.waiter", func(ctx context.Context, a rlockArg) (time.Duration, error) {
	name := mproc.Current().Name()
	if err := a.Held.Wait(ctx); err != nil {
		return 0, err
	}
	if a.RLock.TryLock() {
		return 0, errors.New("took the RLock while another process held it")
	}
	say(a.Console, "  waiter %s: TryLock: false, another process owns it; waiting", name)
	a.Waiting.Set()
	t0 := time.Now()
	if err := a.RLock.LockContext(ctx); err != nil {
		return 0, err
	}
	waited := time.Since(t0)
	say(a.Console, "  waiter %s: got the lock after waiting %v", name, waited.Round(time.Millisecond))
	a.RLock.Unlock()
	return waited, nil
})

// plainLockNested is outer() and inner() with a plain Lock: inner cannot
// take it again. It waits a short while instead of forever.
var plainLockNested = mproc.Register[rlockArg, bool]("demo.rlock.plain", func(ctx context.Context, a rlockArg) (bool, error) {
	name := mproc.Current().Name()
	l, err := mproc.NewLock()
	if err != nil {
		return false, err
	}
	l.Lock()
	say(a.Console, "  %s: outer(): lock.acquire() on a plain Lock: %v", name, l)
	again := l.TryLock()
	say(a.Console, "  %s: inner(): lock.acquire(blocking=False): %v", name, again)
	wctx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	err = l.LockContext(wctx)
	say(a.Console, "  %s: inner(): lock.acquire(timeout=0.1): %v, after 100 ms: it waits for itself, and "+
		"without a timeout would wait forever", name, err)
	if err == nil {
		l.Unlock() // taken twice: a bug; release it once more
	}
	l.Unlock()
	if !again && !errors.Is(err, context.DeadlineExceeded) {
		return false, fmt.Errorf("waiting for a plain Lock this process holds: %w, want the deadline", err)
	}
	return again || err == nil, nil
})

// rlockSeedArg is the seed's task(arg), with the lock it shares.
type rlockSeedArg struct {
	Console string
	RLock   *mproc.RLock
	Arg     int
}

// rlockHeld is when a task held the lock, in Unix nanoseconds.
type rlockHeld struct{ From, To int64 }

// rlockSeedHold is the seed's time.sleep(2) under the lock, scaled down.
const rlockSeedHold = 100 * time.Millisecond

// rlockSeedTask is the seed's task(arg): print, acquire, sleep, print arg,
// release.
var rlockSeedTask = mproc.Register[rlockSeedArg, rlockHeld]("demo.rlock.seed", func(ctx context.Context, a rlockSeedArg) (rlockHeld, error) {
	say(a.Console, "  %s: 我又回来了! (I'm back!)", mproc.Current().Name())
	if err := a.RLock.LockContext(ctx); err != nil {
		return rlockHeld{}, err
	}
	from := time.Now().UnixNano()
	time.Sleep(rlockSeedHold)
	say(a.Console, "  %s: %d", mproc.Current().Name(), a.Arg)
	to := time.Now().UnixNano()
	a.RLock.Unlock()
	return rlockHeld{From: from, To: to}, nil
})

// rlockSeed runs the seed's two processes sharing one RLock.
func rlockSeed(ctx context.Context, con *console, started *[]*mproc.Process) error {
	con.Printf("0. The seed: lock = multiprocessing.RLock(); two processes run task(arg), which prints, acquires,\n" +
		"   sleeps (2 s, here 100 ms) and prints arg. CPython's children inherit the module-level lock through fork;\n" +
		"   mproc's start by exec, so the lock travels as an argument: every copy is the same lock.")
	rl, err := mproc.NewRLock()
	if err != nil {
		return err
	}
	var ps []*mproc.Proc[rlockHeld]
	for i := 1; i <= 2; i++ {
		p, err := rlockSeedTask.Start(ctx, rlockSeedArg{Console: con.path, RLock: rl, Arg: i}, mproc.WithName(fmt.Sprintf("p%d", i)))
		if err != nil {
			return err
		}
		*started = append(*started, p.Process)
		ps = append(ps, p)
	}
	var held []rlockHeld
	for _, p := range ps {
		h, err := p.Wait(ctx)
		if err != nil {
			return err
		}
		held = append(held, h)
	}
	a, b := held[0], held[1]
	if a.From < b.To && b.From < a.To {
		return fmt.Errorf("rlock: the two processes held the shared RLock at the same time: %v and %v", a, b)
	}
	con.Printf("   Each printed 我又回来了! before it acquired; they held the lock one after the other: p1 held it %v, p2 %v,\n"+
		"   never together. The RLock is owned by a process: another process waits for it.",
		time.Duration(a.To-a.From).Round(time.Millisecond), time.Duration(b.To-b.From).Round(time.Millisecond))
	return nil
}

func init() {
	add(Demo{
		Name:  "rlock",
		Title: "RLock: the owner may take it again; a plain Lock would wait for itself; owners are processes or views",
		Intro: "The seeds' second lock, multiprocessing.RLock, shared by two processes: each prints 我又回来了!, then " +
			"they hold the lock one after the other. The seed makes the lock at module level and fork copies it; " +
			"mproc's children start by exec, so the lock is passed as an argument. Its owner may acquire it again, " +
			"and must release it as often. Mind who the owner is: in mproc it is the process, not the goroutine, so " +
			"two goroutines of one process re-enter each other's RLock (CPython's is owned by a thread) unless each " +
			"takes an owner of its own with rl.NewOwner(). One process takes it in outer() and again in inner(), which outer calls, while a second process " +
			"waits; the second gets it only when the first has released it both times. With a plain Lock, inner() " +
			"would wait for its own lock forever (here it gives up after 100 ms). Last, the owners: goroutines have " +
			"no identity, so mproc's owner is the process, or a view of the lock made by rl.NewOwner().",
		Run: stage(runRLock),
	})
}

func runRLock(ctx context.Context, con *console, started *[]*mproc.Process) error {
	if err := rlockSeed(ctx, con, started); err != nil {
		return err
	}
	rl, err := mproc.NewRLock()
	if err != nil {
		return err
	}
	held, err := mproc.NewEvent()
	if err != nil {
		return err
	}
	waiting, err := mproc.NewEvent()
	if err != nil {
		return err
	}
	arg := rlockArg{Console: con.path, RLock: rl, Held: held, Waiting: waiting}

	con.Printf("\n1. One process takes the RLock twice (outer, then inner); another waits for it")
	h, err := rlockHolder.Start(ctx, arg)
	if err != nil {
		return err
	}
	*started = append(*started, h.Process)
	w, err := rlockWaiter.Start(ctx, arg)
	if err != nil {
		return err
	}
	*started = append(*started, w.Process)
	if _, err := h.Wait(ctx); err != nil {
		return fmt.Errorf("rlock: holder: %w", err)
	}
	waited, err := w.Wait(ctx)
	if err != nil {
		return fmt.Errorf("rlock: waiter: %w", err)
	}
	released := fmt.Sprintf("holder %s: outer(): lock.release(): free", h.Name())
	got := fmt.Sprintf("waiter %s: got the lock", w.Name())
	after, err := lineOrder(ctx, con, released, got)
	if err != nil {
		return err
	}
	if !after {
		return errors.New("rlock: the waiter got the lock before the holder released it the second time")
	}
	con.Printf("   The waiter waited %v, until the holder had released both acquisitions.", waited.Round(time.Millisecond))

	con.Printf("\n2. The same nesting with a plain Lock")
	retook, err := plainLockNested.Call(ctx, arg)
	if err != nil {
		return fmt.Errorf("rlock: plain lock: %w", err)
	}
	if retook {
		return errors.New("rlock: a plain Lock was taken twice")
	}
	con.Printf("   A plain Lock is not re-entrant: in CPython, inner() would hang its process here.")

	con.Printf("\n3. Who is the owner? Two goroutines of this process (pid %d)", mproc.Current().Pid())
	return rlockOwners(con, rl)
}

// rlockOwners shows, in this process, that goroutines share the process's
// ownership unless each takes its own owner with NewOwner.
func rlockOwners(con *console, rl *mproc.RLock) error {
	// In another goroutine, as CPython's other thread.
	other := func(rl *mproc.RLock) bool {
		ch := make(chan bool)
		go func() {
			ok := rl.TryLock()
			if ok {
				rl.Unlock()
			}
			ch <- ok
		}()
		return <-ch
	}

	rl.Lock()
	sameOwner := other(rl)
	con.Printf("   Without NewOwner: goroutine 1 holds it; goroutine 2's TryLock: %v (the owner is the process: "+
		"goroutine 2 re-enters)", sameOwner)
	rl.Unlock()

	own1, own2 := rl.NewOwner(), rl.NewOwner()
	own1.Lock()
	otherOwner := other(own2)
	again := own1.TryLock()
	con.Printf("   With own1, own2 := rl.NewOwner(), rl.NewOwner(): goroutine 1 holds it through own1; "+
		"goroutine 2's own2.TryLock(): %v (another owner, as another thread in CPython); own1.TryLock() again: %v",
		otherOwner, again)
	notHeld := unlockErr(own2)
	con.Printf("   own2.Unlock(), by an owner that does not hold it, panics: %v", notHeld)
	own1.Unlock()
	own1.Unlock()
	if !sameOwner || otherOwner || !again || !errors.Is(notHeld, mproc.ErrNotHeld) {
		return fmt.Errorf("rlock: owners: same process %v, other owner %v, re-entry %v, foreign unlock %v",
			sameOwner, otherOwner, again, notHeld)
	}
	con.Printf("   So: one owner per process by default; give each goroutine that must exclude the others its own " +
		"owner with rl.NewOwner().")
	return nil
}

// unlockErr unlocks rl and returns the error Unlock panicked with, if any.
func unlockErr(rl *mproc.RLock) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err, _ = r.(error)
		}
	}()
	rl.Unlock()
	return nil
}
