package manager

import (
	"context"
	"errors"
	"testing"
	"time"

	"mproc/internal/mgr"
)

// Nothing executable crosses to a manager: requests that name an
// operation outside the protocol, a registered function as a type, or a
// method on an object that has none are refused, and the manager serves on.
func TestManagerRefusesCode(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	m, err := Start(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Shutdown(ctx)
	d, err := NewDict[string, int](ctx, m, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range []mgr.Request{
		{Op: mgr.OpCreate, Args: [][]byte{[]byte(mgr.KindType), []byte(serverFunc.Name())}},
		{Op: mgr.OpCreate, Args: [][]byte{[]byte("function"), []byte(serverFunc.Name())}},
		{Op: mgr.OpMethod, Obj: d.ref.id, Args: [][]byte{[]byte("Call"), []byte(serverFunc.Name())}},
		{Op: mgr.OpListAppend, Obj: d.ref.id, Args: [][]byte{[]byte("x")}},
	} {
		if _, err := m.cl.call(ctx, &r); !errors.Is(err, ErrRefused) {
			t.Errorf("request %d %q: %v, want ErrRefused", r.Op, r.Args, err)
		}
	}
	// An operation number outside the protocol, sent raw.
	mc, _, err := m.cl.take(ctx)
	if err != nil {
		t.Fatal(err)
	}
	raw := mgr.AppendRequest(nil, &mgr.Request{Op: mgr.OpShutdown + 1, Obj: d.ref.id})
	if err := mc.c.SendBytes(ctx, raw); err != nil {
		t.Fatal(err)
	}
	b, err := mc.c.RecvBytes(ctx)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := mgr.DecodeResponse(b)
	if err != nil || resp.Code != mgr.CodeRefused {
		t.Fatalf("an unknown operation: %+v, %v", resp, err)
	}
	m.cl.give(mc)
	if err := d.Set(ctx, "still", 1); err != nil {
		t.Fatalf("the manager after refusing: %v", err)
	}
}

// A manager that dies gives its clients ErrGone, never a hang, also
// in the middle of a call that waits.
func TestManagerDies(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	m, err := Start(ctx)
	if err != nil {
		t.Fatal(err)
	}
	q, err := NewQueue[int](ctx, m, 0)
	if err != nil {
		t.Fatal(err)
	}
	lock, err := NewLock(ctx, m)
	if err != nil {
		t.Fatal(err)
	}
	sem, err := NewSemaphore(ctx, m, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := q.Len(ctx); err != nil { // a connection to reuse
		t.Fatal(err)
	}
	got := make(chan error, 1)
	// The Get waits (the queue is empty) or has not reached the manager
	// yet when it dies: either way it must end with ErrGone.
	go func() { _, err := q.Get(ctx); got <- err }()
	m.Process().Kill()
	m.Process().Join(ctx)
	select {
	case err := <-got:
		if !errors.Is(err, ErrGone) {
			t.Fatalf("a Get waiting when the manager died: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a Get still waits 10 s after its manager died")
	}
	start := time.Now()
	if _, err := q.Len(ctx); !errors.Is(err, ErrGone) {
		t.Fatalf("a call after the manager died: %v", err)
	}
	// The calls without a ctx end too: the lock's panic, the others false
	// or an error.
	mustPanic(t, "Lock with the manager gone", lock.Lock)
	mustPanic(t, "Unlock with the manager gone", lock.Unlock)
	if err := lock.LockContext(ctx); !errors.Is(err, ErrGone) {
		t.Errorf("LockContext with the manager gone: %v", err)
	}
	if lock.TryLock() || sem.TryAcquire() {
		t.Error("TryLock or TryAcquire succeeded with the manager gone")
	}
	if err := sem.Release(); !errors.Is(err, ErrGone) {
		t.Errorf("Release with the manager gone: %v", err)
	}
	if time.Since(start) > 5*time.Second {
		t.Fatalf("calls to a dead manager took %v", time.Since(start))
	}
}

// mustPanic checks that f panics.
func mustPanic(t *testing.T, what string, f func()) {
	t.Helper()
	defer func() {
		if recover() == nil {
			t.Errorf("%s did not panic", what)
		}
	}()
	f()
}
