package manager_test

import (
	"context"
	"errors"
	"mproc/internal/testmain"
	"slices"
	"strings"
	"testing"
	"time"

	"mproc"
	"mproc/manager"
)

type syncArg struct {
	Lock    *manager.Lock
	Ev      *manager.Event
	Cond    *manager.Condition
	Barrier *manager.Barrier
	Sem     *manager.Semaphore
	D       *manager.Dict[string, int]
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
	if err := a.Sem.Release(); err != nil {
		return 0, err
	}
	idx, err := a.Barrier.Wait(ctx)
	if err != nil {
		return 0, err
	}
	if err := a.Cond.LockContext(ctx); err != nil {
		return 0, err
	}
	defer a.Cond.Unlock()
	if _, err := a.D.Add(ctx, "waiting", 1); err != nil {
		return 0, err
	}
	err = a.Cond.WaitFor(ctx, func() bool { v, _ := a.D.Get(ctx, "go"); return v == 1 })
	return idx, err
})

func testManagerSync(t *testing.T, ctx context.Context, m *manager.Manager) {
	a := syncArg{
		Lock:    must(manager.NewLock(ctx, m))(t),
		Ev:      must(manager.NewEvent(ctx, m))(t),
		Barrier: must(manager.NewBarrier(ctx, m, 3))(t),
		Sem:     must(manager.NewBoundedSemaphore(ctx, m, 1))(t),
		D:       must(manager.NewDict[string, int](ctx, m, nil))(t),
	}
	a.Cond = must(manager.NewCondition(ctx, m, nil))(t)
	// The lock: try, hold, release; releasing again panics.
	if !a.Lock.TryLock() {
		t.Fatal("TryLock of a free lock failed")
	}
	if a.Lock.TryLock() {
		t.Fatal("TryLock of a held lock succeeded")
	}
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	start := time.Now()
	err := a.Lock.LockContext(short)
	cancel()
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) < 40*time.Millisecond {
		t.Fatalf("LockContext of a held lock with a 50ms deadline: %v after %v", err, time.Since(start))
	}
	if ok := must(a.Lock.Locked(ctx))(t); !ok {
		t.Fatal("Locked of a held lock: false")
	}
	a.Lock.Unlock()
	mustPanic(t, "Unlock of a free lock", a.Lock.Unlock)
	// An RLock is re-entrant for its owner, not for another.
	r := must(manager.NewRLock(ctx, m))(t)
	r.Lock()
	if err := r.LockContext(ctx); err != nil {
		t.Fatal(err)
	}
	other := r.NewOwner()
	short, cancel = context.WithTimeout(ctx, 30*time.Millisecond)
	err = other.LockContext(short)
	cancel()
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("another owner's LockContext of a held RLock: %v", err)
	}
	r.Unlock()
	r.Unlock()
	mustPanic(t, "a third Unlock of an RLock taken twice", r.Unlock)
	if err := other.LockContext(ctx); err != nil {
		t.Fatalf("another owner, once the RLock is free: %v", err)
	}
	if r.TryLock() {
		t.Fatal("this process's owner took an RLock that another owner holds")
	}
	mustPanic(t, "Unlock by an owner that does not hold the RLock", r.Unlock)
	other.Unlock()
	if !r.TryLock() {
		t.Fatal("the RLock is still held after its owner's Unlock")
	}
	r.Unlock()
	// A semaphore: try, and a bounded one refuses a release above its bound.
	if !a.Sem.TryAcquire() {
		t.Fatal("TryAcquire of a semaphore of 1 failed")
	}
	if a.Sem.TryAcquire() {
		t.Fatal("TryAcquire of a semaphore of 0 succeeded")
	}
	if err := a.Sem.Release(); err != nil {
		t.Fatal(err)
	}
	// A bounded semaphore refuses a release above its bound.
	if err := a.Sem.Release(); !errors.Is(err, mproc.ErrNotHeld) {
		t.Fatalf("release above the bound: %v", err)
	}
	// Two children wait on the event, then meet this process at the
	// barrier, then wait on the condition.
	var ps []*mproc.Proc[int]
	for range 2 {
		ps = append(ps, testmain.StartChild(t, ctx, mgrSyncChild, a))
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
	if err := a.Cond.LockContext(ctx); err != nil {
		t.Fatal(err)
	}
	a.D.Set(ctx, "go", 1)
	if err := a.Cond.NotifyAll(ctx); err != nil {
		t.Fatal(err)
	}
	a.Cond.Unlock()
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
	b := must(manager.NewBarrier(ctx, m, 2))(t)
	short, cancel = context.WithTimeout(ctx, 30*time.Millisecond)
	_, err = b.Wait(short)
	cancel()
	if !errors.Is(err, mproc.ErrBrokenBarrier) || !errors.Is(err, context.DeadlineExceeded) || !must(b.State(ctx))(t).Broken {
		t.Fatalf("a barrier wait that timed out: %v", err)
	}
	b.Reset(ctx)
	if must(b.State(ctx))(t).Broken {
		t.Fatal("Reset left the barrier broken")
	}
	// An event wait with a deadline returns ctx's error.
	ev := must(manager.NewEvent(ctx, m))(t)
	short, cancel = context.WithTimeout(ctx, 30*time.Millisecond)
	err = ev.Wait(short)
	cancel()
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("event wait at the deadline: %v", err)
	}
}

// A call that gives up when its ctx ends says so: its error matches
// ctx.Err(), and the sentinel that adds meaning too.
func testManagerDeadlines(t *testing.T, ctx context.Context, m *manager.Manager) {
	q := must(manager.NewQueue[int](ctx, m, 1))(t)
	short, cancel := context.WithTimeout(ctx, 30*time.Millisecond)
	_, err := q.Get(short)
	cancel()
	if !errors.Is(err, mproc.ErrEmpty) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Get of an empty queue at the deadline: %v, want ErrEmpty and DeadlineExceeded", err)
	}
	if _, err := q.TryGet(ctx); !errors.Is(err, mproc.ErrEmpty) || errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("TryGet of an empty queue: %v, want ErrEmpty alone", err)
	}
	if err := q.Put(ctx, 1); err != nil {
		t.Fatal(err)
	}
	short, cancel = context.WithTimeout(ctx, 30*time.Millisecond)
	err = q.Put(short, 2)
	cancel()
	if !errors.Is(err, mproc.ErrFull) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Put to a full queue at the deadline: %v, want ErrFull and DeadlineExceeded", err)
	}
	sem := must(manager.NewSemaphore(ctx, m, 0))(t)
	short, cancel = context.WithTimeout(ctx, 30*time.Millisecond)
	err = sem.Acquire(short)
	cancel()
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Acquire of a semaphore of 0 at the deadline: %v", err)
	}
	// Cancelled while it waits in the manager.
	lock := must(manager.NewLock(ctx, m))(t)
	lock.Lock()
	defer lock.Unlock()
	cctx, cancel := context.WithCancel(ctx)
	timer := time.AfterFunc(30*time.Millisecond, cancel)
	defer timer.Stop()
	if err := lock.LockContext(cctx); !errors.Is(err, context.Canceled) {
		t.Errorf("LockContext of a held lock, cancelled: %v", err)
	}
	if err := sem.Acquire(cctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Acquire with a cancelled ctx: %v", err)
	}
	if n := must(sem.Value(ctx))(t); n != 0 {
		t.Errorf("the semaphore after a cancelled Acquire: %d, want 0", n)
	}
	// A cancelled call closes its connection; the lock this process holds
	// must outlive it (the manager drops a client's locks with its last
	// connection).
	if !must(lock.Locked(ctx))(t) {
		t.Error("a cancelled call released the lock this process holds")
	}
}

func testManagerValueQueue(t *testing.T, ctx context.Context, m *manager.Manager) {
	v := must(manager.NewValue(ctx, m, 1.5))(t)
	if x := must(v.Add(ctx, 2))(t); x != 3.5 {
		t.Fatalf("add: %v", x)
	}
	if ok := must(v.CompareAndSwap(ctx, 3.5, 7))(t); !ok || must(v.Load(ctx))(t) != 7 {
		t.Fatal("CAS")
	}
	if err := v.Store(ctx, -1); err != nil || must(v.Load(ctx))(t) != -1 {
		t.Fatalf("store: %v", err)
	}
	q := must(manager.NewQueue[string](ctx, m, 2))(t)
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
	N   int
	Log []string
	//lint:ignore U1000 unexported on purpose: it stays out of the manager's reach
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

//lint:ignore U1000 unexported on purpose: a call by name must be refused
func (c *counter) secret() int { return 42 }

func init() { manager.RegisterType[counter]("test.counter") }

type proxyArg struct{ P *manager.Proxy }

var mgrProxyChild = mproc.Register[proxyArg, int]("test.mgr.proxy", func(ctx context.Context, a proxyArg) (int, error) {
	if err := a.P.Call(ctx, "Note", "from a child"); err != nil {
		return 0, err
	}
	return manager.Call[int](ctx, a.P, "Inc", 10)
})

func testManagerCustom(t *testing.T, ctx context.Context, m *manager.Manager) {
	p := must(manager.NewProxy(ctx, m, "test.counter", counter{N: 5}))(t)
	if n := must(manager.Call[int](ctx, p, "Inc", 1))(t); n != 6 {
		t.Fatalf("Inc: %d", n)
	}
	if n := waitOK(t, ctx, testmain.StartChild(t, ctx, mgrProxyChild, proxyArg{p})); n != 16 {
		t.Fatalf("Inc in a child: %d", n)
	}
	if notes := must(manager.Call[[]string](ctx, p, "Notes"))(t); !slices.Equal(notes, []string{"from a child"}) {
		t.Fatalf("notes %v", notes)
	}
	if err := p.Call(ctx, "Note", ""); err == nil || !strings.Contains(err.Error(), "empty note") {
		t.Fatalf("a method's error: %v", err)
	}
	for _, bad := range []string{"secret", "Nope"} {
		if err := p.Call(ctx, bad); !errors.Is(err, manager.ErrRefused) {
			t.Fatalf("method %q: %v, want ErrRefused", bad, err)
		}
	}
	if err := p.Call(ctx, "Inc", "not a number"); err == nil {
		t.Fatal("Inc with a string went through")
	}
	if _, err := manager.NewProxy(ctx, m, "test.mgr.proxy", nil); !errors.Is(err, manager.ErrRefused) {
		t.Fatalf("a registered function's name as a type: %v, want ErrRefused", err)
	}
}

func testManagerBadInput(t *testing.T, ctx context.Context, m *manager.Manager) {
	d := must(manager.NewDict[string, any](ctx, m, nil))(t)
	if err := d.Set(ctx, "f", func() {}); !errors.Is(err, mproc.ErrUnencodable) {
		t.Fatalf("a func value: %v", err)
	}
	var zero manager.Dict[string, int]
	if err := zero.Set(ctx, "a", 1); err == nil {
		t.Fatal("a zero Dict worked")
	}
	if _, err := manager.NewDict[string, int](ctx, nil, nil); err == nil {
		t.Fatal("NewDict with a nil manager worked")
	}
	if _, err := manager.NewBarrier(ctx, m, 0); err == nil {
		t.Fatal("a barrier of 0 parties")
	}
	if _, err := manager.NewSemaphore(ctx, m, -1); err == nil {
		t.Fatal("a semaphore of -1")
	}
}

type holdArg struct {
	Lock *manager.Lock
	Ev   *manager.Event
}

var mgrHold = mproc.Register[holdArg, mproc.None]("test.mgr.hold", func(ctx context.Context, a holdArg) error {
	if err := a.Lock.LockContext(ctx); err != nil {
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
func testManagerClientKilled(t *testing.T, ctx context.Context, m *manager.Manager) {
	a := holdArg{must(manager.NewLock(ctx, m))(t), must(manager.NewEvent(ctx, m))(t)}
	holder := testmain.StartChild(t, ctx, mgrHold, a)
	if err := a.Ev.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	waiter := testmain.StartChild(t, ctx, mgrHold, a) // blocks in Acquire
	stays(t, 50*time.Millisecond, "the waiter waits", func() bool { ok, _ := waiter.IsAlive(); return ok })
	waiter.Kill()
	waiter.Join(ctx)
	holder.Kill()
	holder.Join(ctx)
	if err := a.Lock.LockContext(ctx); err != nil {
		t.Fatalf("the lock after its holder was killed: %v", err)
	}
	a.Lock.Unlock()
	d := must(manager.NewDict[int, int](ctx, m, nil))(t)
	if err := d.Set(ctx, 1, 1); err != nil {
		t.Fatalf("the manager after two clients were killed: %v", err)
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
