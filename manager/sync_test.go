package mproc_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"mproc"
)

type syncArg struct {
	Lock    *mproc.ManagedLock
	Ev      *mproc.ManagedEvent
	Cond    *mproc.ManagedCondition
	Barrier *mproc.ManagedBarrier
	Sem     *mproc.ManagedSemaphore
	D       *mproc.Dict[string, int]
}

// mgrSyncChild waits for the event, then takes its turn at the semaphore,
// the barrier and the condition.
var mgrSyncChild = mproc.Register[syncArg, int]("test.mgr.sync", func(ctx context.Context, a syncArg) (int, error) {
	if err := a.Ev.Wait(ctx); err != nil {
		return 0, err
	}
	if err := a.Sem.Acquire(ctx); err != nil {
		return 0, err
	}
	if _, err := a.D.Add(ctx, "in", 1); err != nil {
		return 0, err
	}
	if err := a.Sem.Release(ctx); err != nil {
		return 0, err
	}
	idx, err := a.Barrier.Wait(ctx)
	if err != nil {
		return 0, err
	}
	if err := a.Cond.Acquire(ctx); err != nil {
		return 0, err
	}
	defer a.Cond.Release(ctx)
	if _, err := a.D.Add(ctx, "waiting", 1); err != nil {
		return 0, err
	}
	err = a.Cond.WaitFor(ctx, func() bool { v, _ := a.D.Get(ctx, "go"); return v == 1 })
	return idx, err
})

func testManagerSync(t *testing.T, ctx context.Context, m *mproc.Manager) {
	a := syncArg{
		Lock:    must(m.Lock(ctx))(t),
		Ev:      must(m.Event(ctx))(t),
		Barrier: must(m.Barrier(ctx, 3, 0))(t),
		Sem:     must(m.BoundedSemaphore(ctx, 1))(t),
		D:       must(mproc.NewDict[string, int](ctx, m, nil))(t),
	}
	a.Cond = must(m.Condition(ctx, nil))(t)
	// The lock: try, hold, release; releasing again is an error.
	if ok := must(a.Lock.TryAcquire(ctx))(t); !ok {
		t.Fatal("TryAcquire of a free lock failed")
	}
	if ok := must(a.Lock.TryAcquire(ctx))(t); ok {
		t.Fatal("TryAcquire of a held lock succeeded")
	}
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	start := time.Now()
	err := a.Lock.Acquire(short)
	cancel()
	if !errors.Is(err, mproc.ErrTimeout) || time.Since(start) < 40*time.Millisecond {
		t.Fatalf("Acquire of a held lock with a 50ms deadline: %v after %v", err, time.Since(start))
	}
	if err := a.Lock.Release(ctx); err != nil {
		t.Fatal(err)
	}
	if err := a.Lock.Release(ctx); !errors.Is(err, mproc.ErrNotHeld) {
		t.Fatalf("release of a free lock: %v", err)
	}
	// An RLock is re-entrant for its owner, not for another.
	r := must(m.RLock(ctx))(t)
	for range 2 {
		if err := r.Acquire(ctx); err != nil {
			t.Fatal(err)
		}
	}
	other := mproc.WithOwner(ctx)
	if ok := must(r.TryAcquire(other))(t); ok {
		t.Fatal("another owner took a held RLock")
	}
	if err := r.Release(other); !errors.Is(err, mproc.ErrNotHeld) {
		t.Fatalf("another owner released the RLock: %v", err)
	}
	r.Release(ctx)
	r.Release(ctx)
	if ok := must(r.TryAcquire(other))(t); !ok {
		t.Fatal("the RLock is still held after two releases")
	}
	// A bounded semaphore refuses a release above its bound.
	if err := a.Sem.Release(ctx); !errors.Is(err, mproc.ErrNotHeld) {
		t.Fatalf("release above the bound: %v", err)
	}
	// Two children wait on the event, then meet this process at the
	// barrier, then wait on the condition.
	var ps []*mproc.Proc[int]
	for range 2 {
		ps = append(ps, startChild(t, ctx, mgrSyncChild, a))
	}
	if set := must(a.Ev.IsSet(ctx))(t); set {
		t.Fatal("a new event is set")
	}
	if err := a.Ev.Set(ctx); err != nil {
		t.Fatal(err)
	}
	idx := must(a.Barrier.Wait(ctx))(t)
	waitUntil(t, ctx, "both children wait on the condition", func() bool {
		v, _ := a.D.Get(ctx, "waiting")
		return v == 2
	})
	if err := a.Cond.Acquire(ctx); err != nil {
		t.Fatal(err)
	}
	a.D.Set(ctx, "go", 1)
	if err := a.Cond.NotifyAll(ctx); err != nil {
		t.Fatal(err)
	}
	a.Cond.Release(ctx)
	if err := a.Cond.Notify(ctx, 1); !errors.Is(err, mproc.ErrNotHeld) {
		t.Fatalf("notify without the lock: %v", err)
	}
	idxs := []int{idx}
	for _, p := range ps {
		idxs = append(idxs, waitOK(t, ctx, p))
	}
	slices.Sort(idxs)
	if !slices.Equal(idxs, []int{0, 1, 2}) {
		t.Fatalf("barrier indexes %v", idxs)
	}
	if v := must(a.D.Get(ctx, "in"))(t); v != 2 {
		t.Fatalf("%d children passed the semaphore", v)
	}
	// A barrier wait that times out breaks it.
	b := must(m.Barrier(ctx, 2, 0))(t)
	short, cancel = context.WithTimeout(ctx, 30*time.Millisecond)
	_, err = b.Wait(short)
	cancel()
	if !errors.Is(err, mproc.ErrBrokenBarrier) || !must(b.State(ctx))(t).Broken {
		t.Fatalf("a barrier wait that timed out: %v", err)
	}
	b.Reset(ctx)
	if must(b.State(ctx))(t).Broken {
		t.Fatal("Reset left the barrier broken")
	}
	// An event wait with a deadline returns ctx's error.
	ev := must(m.Event(ctx))(t)
	short, cancel = context.WithTimeout(ctx, 30*time.Millisecond)
	err = ev.Wait(short)
	cancel()
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("event wait at the deadline: %v", err)
	}
}

func testManagerValueQueue(t *testing.T, ctx context.Context, m *mproc.Manager) {
	v := must(mproc.NewManagedValue(ctx, m, 1.5))(t)
	if x := must(v.Add(ctx, 2))(t); x != 3.5 {
		t.Fatalf("add: %v", x)
	}
	if ok := must(v.CompareAndSwap(ctx, 3.5, 7))(t); !ok || must(v.Load(ctx))(t) != 7 {
		t.Fatal("CAS")
	}
	if err := v.Store(ctx, -1); err != nil || must(v.Load(ctx))(t) != -1 {
		t.Fatalf("store: %v", err)
	}
	q := must(mproc.NewManagedQueue[string](ctx, m, 2))(t)
	for _, s := range []string{"a", "b"} {
		if err := q.Put(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	if err := q.TryPut(ctx, "c"); !errors.Is(err, mproc.ErrFull) {
		t.Fatalf("TryPut on a full queue: %v", err)
	}
	short, cancel := context.WithTimeout(ctx, 30*time.Millisecond)
	err := q.Put(short, "c")
	cancel()
	if !errors.Is(err, mproc.ErrFull) {
		t.Fatalf("Put at the deadline: %v", err)
	}
	if n := must(q.Len(ctx))(t); n != 2 {
		t.Fatalf("len %d", n)
	}
	for _, want := range []string{"a", "b"} {
		if s := must(q.Get(ctx))(t); s != want {
			t.Fatalf("got %q, want %q", s, want)
		}
	}
	if _, err := q.TryGet(ctx); !errors.Is(err, mproc.ErrEmpty) {
		t.Fatalf("TryGet on an empty queue: %v", err)
	}
}

// counter is a type registered for managers.
type counter struct {
	N     int
	Log   []string
	limit int
}

func (c *counter) Inc(by int) int { c.N += by; return c.N }

func (c *counter) Note(s string) error {
	if s == "" {
		return errors.New("empty note")
	}
	c.Log = append(c.Log, s)
	return nil
}

func (c *counter) Notes() []string { return c.Log }

func (c *counter) secret() int { return 42 }

func init() { mproc.RegisterType[counter]("test.counter") }

type proxyArg struct{ P *mproc.Proxy }

var mgrProxyChild = mproc.Register[proxyArg, int]("test.mgr.proxy", func(ctx context.Context, a proxyArg) (int, error) {
	if err := a.P.Call(ctx, "Note", "from a child"); err != nil {
		return 0, err
	}
	return mproc.CallResult[int](ctx, a.P, "Inc", 10)
})

func testManagerCustom(t *testing.T, ctx context.Context, m *mproc.Manager) {
	p := must(mproc.NewProxy(ctx, m, "test.counter", counter{N: 5}))(t)
	if n := must(mproc.CallResult[int](ctx, p, "Inc", 1))(t); n != 6 {
		t.Fatalf("Inc: %d", n)
	}
	if n := waitOK(t, ctx, startChild(t, ctx, mgrProxyChild, proxyArg{p})); n != 16 {
		t.Fatalf("Inc in a child: %d", n)
	}
	if notes := must(mproc.CallResult[[]string](ctx, p, "Notes"))(t); !slices.Equal(notes, []string{"from a child"}) {
		t.Fatalf("notes %v", notes)
	}
	if err := p.Call(ctx, "Note", ""); err == nil || !strings.Contains(err.Error(), "empty note") {
		t.Fatalf("a method's error: %v", err)
	}
	for _, bad := range []string{"secret", "Nope"} {
		if err := p.Call(ctx, bad); !errors.Is(err, mproc.ErrRefused) {
			t.Fatalf("method %q: %v, want ErrRefused", bad, err)
		}
	}
	if err := p.Call(ctx, "Inc", "not a number"); err == nil {
		t.Fatal("Inc with a string went through")
	}
	if _, err := mproc.NewProxy(ctx, m, "test.mgr.proxy", nil); !errors.Is(err, mproc.ErrRefused) {
		t.Fatalf("a registered function's name as a type: %v, want ErrRefused", err)
	}
}

func testManagerBadInput(t *testing.T, ctx context.Context, m *mproc.Manager) {
	d := must(mproc.NewDict[string, any](ctx, m, nil))(t)
	if err := d.Set(ctx, "f", func() {}); !errors.Is(err, mproc.ErrUnencodable) {
		t.Fatalf("a func value: %v", err)
	}
	var zero mproc.Dict[string, int]
	if err := zero.Set(ctx, "a", 1); err == nil {
		t.Fatal("a zero Dict worked")
	}
	if _, err := mproc.NewDict[string, int](ctx, nil, nil); err == nil {
		t.Fatal("NewDict with a nil manager worked")
	}
	if _, err := m.Barrier(ctx, 0, 0); err == nil {
		t.Fatal("a barrier of 0 parties")
	}
	if _, err := m.Semaphore(ctx, -1); err == nil {
		t.Fatal("a semaphore of -1")
	}
}

type holdArg struct {
	Lock *mproc.ManagedLock
	Ev   *mproc.ManagedEvent
}

var mgrHold = mproc.Register[holdArg, mproc.None]("test.mgr.hold", func(ctx context.Context, a holdArg) error {
	if err := a.Lock.Acquire(ctx); err != nil {
		return err
	}
	if err := a.Ev.Set(ctx); err != nil {
		return err
	}
	<-ctx.Done() // holds it until killed
	return nil
})

// A client killed while it holds a lock, and one killed while it waits for
// it: the manager releases the lock and serves the others.
func testManagerClientKilled(t *testing.T, ctx context.Context, m *mproc.Manager) {
	a := holdArg{must(m.Lock(ctx))(t), must(m.Event(ctx))(t)}
	holder := startChild(t, ctx, mgrHold, a)
	if err := a.Ev.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	waiter := startChild(t, ctx, mgrHold, a) // blocks in Acquire
	stays(t, 50*time.Millisecond, "the waiter waits", func() bool { ok, _ := waiter.IsAlive(); return ok })
	waiter.Kill()
	waiter.Join(ctx)
	holder.Kill()
	holder.Join(ctx)
	if err := a.Lock.Acquire(ctx); err != nil {
		t.Fatalf("the lock after its holder was killed: %v", err)
	}
	a.Lock.Release(ctx)
	d := must(mproc.NewDict[int, int](ctx, m, nil))(t)
	if err := d.Set(ctx, 1, 1); err != nil {
		t.Fatalf("the manager after two clients were killed: %v", err)
	}
}
