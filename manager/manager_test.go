package manager_test

import (
	"context"
	"errors"
	"fmt"
	"mproc/internal/testmain"
	"slices"
	"testing"
	"time"

	"mproc"
	"mproc/manager"
)

// ---- Managers: shared containers and sync objects in a server process ----

func startManager(t *testing.T, ctx context.Context, opts ...manager.Option) *manager.Manager {
	t.Helper()
	m, err := manager.Start(ctx, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := m.Shutdown(context.Background()); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		if a, _ := m.Process().IsAlive(); a {
			t.Errorf("the manager %v still runs after Shutdown", m.Process())
		}
	})
	return m
}

func TestManager(t *testing.T) {
	testmain.NoChildLeft(t)
	ctx := ctxTimeout(t, 60*time.Second)
	m := startManager(t, ctx)
	t.Run("group", func(t *testing.T) {
		for name, f := range map[string]func(*testing.T, context.Context, *manager.Manager){
			"DictOperations":      testManagerDict,
			"DictTenChildren":     testManagerDictChildren,
			"CountDownUnderLock":  testManagerCountDownLock,
			"CountDownAtomic":     testManagerCountDownAtomic,
			"List":                testManagerList,
			"Namespace":           testManagerNamespace,
			"Nested":              testManagerNested,
			"Sync":                testManagerSync,
			"ValueAndQueue":       testManagerValueQueue,
			"Deadlines":           testManagerDeadlines,
			"RegisteredType":      testManagerCustom,
			"BadInput":            testManagerBadInput,
			"ClientKilledHolding": testManagerClientKilled,
		} {
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				f(t, ctx, m)
			})
		}
	})
}

func testManagerDict(t *testing.T, ctx context.Context, m *manager.Manager) {
	d := must(manager.NewDict(ctx, m, map[string]int{"count": 100}))(t)
	if v := must(d.Get(ctx, "count"))(t); v != 100 {
		t.Fatalf("count %d", v)
	}
	if _, err := d.Get(ctx, "nope"); !errors.Is(err, manager.ErrKeyNotFound) {
		t.Fatalf("missing key: %v", err)
	}
	for i, k := range []string{"b", "a", "c"} {
		if err := d.Set(ctx, k, i); err != nil {
			t.Fatal(err)
		}
	}
	if keys := must(d.Keys(ctx))(t); !slices.Equal(keys, []string{"count", "b", "a", "c"}) {
		t.Fatalf("keys in insertion order: %v", keys)
	}
	if err := d.Delete(ctx, "b"); err != nil {
		t.Fatal(err)
	}
	if err := d.Delete(ctx, "b"); !errors.Is(err, manager.ErrKeyNotFound) {
		t.Fatalf("delete twice: %v", err)
	}
	if err := d.Update(ctx, map[string]int{"x": 7, "a": 10}); err != nil {
		t.Fatal(err)
	}
	got := must(d.Map(ctx))(t)
	want := map[string]int{"count": 100, "a": 10, "c": 2, "x": 7}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("items %v, want %v", got, want)
	}
	if n := must(d.Len(ctx))(t); n != 4 {
		t.Fatalf("len %d", n)
	}
	if v := must(d.Pop(ctx, "x"))(t); v != 7 {
		t.Fatalf("pop %d", v)
	}
	if ok := must(d.Contains(ctx, "x"))(t); ok {
		t.Fatal("x still there after Pop")
	}
	if v := must(d.SetDefault(ctx, "y", 5))(t); v != 5 {
		t.Fatalf("setdefault of a missing key: %d", v)
	}
	if v := must(d.SetDefault(ctx, "y", 6))(t); v != 5 {
		t.Fatalf("setdefault of a present key: %d", v)
	}
	if v := must(d.Add(ctx, "count", -1))(t); v != 99 {
		t.Fatalf("add: %d", v)
	}
	if v := must(d.Apply(ctx, "count", manager.OpMax, 150))(t); v != 150 {
		t.Fatalf("max: %d", v)
	}
	if ok := must(d.CompareAndSwap(ctx, "count", 1, 2))(t); ok {
		t.Fatal("CAS with the wrong old value swapped")
	}
	if ok := must(d.CompareAndSwap(ctx, "count", 150, 3))(t); !ok || must(d.Get(ctx, "count"))(t) != 3 {
		t.Fatal("CAS with the right old value did not swap")
	}
	if err := d.Clear(ctx); err != nil || must(d.Len(ctx))(t) != 0 {
		t.Fatalf("clear: %v", err)
	}
	s := must(manager.NewDict[int, string](ctx, m, nil))(t)
	if v := must(s.Apply(ctx, 1, manager.OpAppend, "ab"))(t); v != "ab" {
		t.Fatalf("append to a missing key: %q", v)
	}
	if v := must(s.Apply(ctx, 1, manager.OpAppend, "cd"))(t); v != "abcd" {
		t.Fatalf("append: %q", v)
	}
	if _, err := s.Add(ctx, 1, "x"); !errors.Is(err, manager.ErrRefused) && err == nil {
		t.Fatalf("add on strings: %v", err)
	}
}

type dictArg struct {
	D *manager.Dict[int, int]
	I int
}

var mgrSetItem = mproc.Register[dictArg, mproc.None]("test.mgr.setitem", func(ctx context.Context, a dictArg) error {
	return a.D.Set(ctx, a.I, 100)
})

// The seeds' first manager demo: 10 processes each set d[i] = 100.
func testManagerDictChildren(t *testing.T, ctx context.Context, m *manager.Manager) {
	d := must(manager.NewDict[int, int](ctx, m, nil))(t)
	var ps []*mproc.Proc[mproc.None]
	for i := range 10 {
		ps = append(ps, testmain.StartChild(t, ctx, mgrSetItem, dictArg{d, i}))
	}
	for _, p := range ps {
		waitOK(t, ctx, p)
	}
	got := must(d.Map(ctx))(t)
	if len(got) != 10 {
		t.Fatalf("%v", got)
	}
	for i := range 10 {
		if got[i] != 100 {
			t.Fatalf("d[%d] = %d", i, got[i])
		}
	}
}

type countArg struct {
	D    *manager.Dict[string, int]
	Lock *manager.Lock // nil: the atomic Add
}

var mgrCountDown = mproc.Register[countArg, mproc.None]("test.mgr.countdown", func(ctx context.Context, a countArg) error {
	if a.Lock == nil {
		_, err := a.D.Add(ctx, "count", -1)
		return err
	}
	if err := a.Lock.LockContext(ctx); err != nil {
		return err
	}
	defer a.Lock.Unlock()
	v, err := a.D.Get(ctx, "count")
	if err != nil {
		return err
	}
	time.Sleep(time.Millisecond) // widen the window a missing lock would lose updates in
	return a.D.Set(ctx, "count", v-1)
})

func countDown(t *testing.T, ctx context.Context, m *manager.Manager, lock *manager.Lock) {
	d := must(manager.NewDict(ctx, m, map[string]int{"count": 100}))(t)
	var ps []*mproc.Proc[mproc.None]
	for range 100 {
		ps = append(ps, testmain.StartChild(t, ctx, mgrCountDown, countArg{d, lock}))
	}
	for _, p := range ps {
		waitOK(t, ctx, p)
	}
	if v := must(d.Get(ctx, "count"))(t); v != 0 {
		t.Fatalf("count %d after 100 decrements from 100", v)
	}
}

// The seeds' second demo: 100 processes decrement 'count' under a lock.
func testManagerCountDownLock(t *testing.T, ctx context.Context, m *manager.Manager) {
	countDown(t, ctx, m, must(manager.NewLock(ctx, m))(t))
}

// And with the atomic operation, no lock.
func testManagerCountDownAtomic(t *testing.T, ctx context.Context, m *manager.Manager) {
	countDown(t, ctx, m, nil)
}

func testManagerList(t *testing.T, ctx context.Context, m *manager.Manager) {
	l := must(manager.NewList(ctx, m, []int{1, 2, 3}))(t)
	if err := l.Append(ctx, 4); err != nil {
		t.Fatal(err)
	}
	if err := l.Extend(ctx, []int{5, 6}); err != nil {
		t.Fatal(err)
	}
	if v := must(l.Get(ctx, -1))(t); v != 6 {
		t.Fatalf("l[-1] = %d", v)
	}
	if _, err := l.Get(ctx, 6); !errors.Is(err, manager.ErrIndexOutOfRange) {
		t.Fatalf("l[6]: %v", err)
	}
	if s := must(l.Slice(ctx, 1, -1))(t); !slices.Equal(s, []int{2, 3, 4, 5}) {
		t.Fatalf("l[1:-1] = %v", s)
	}
	if s := must(l.Slice(ctx, 4, 100))(t); !slices.Equal(s, []int{5, 6}) {
		t.Fatalf("l[4:100] = %v", s)
	}
	if err := l.Insert(ctx, 0, 0); err != nil {
		t.Fatal(err)
	}
	if i := must(l.Index(ctx, 4))(t); i != 4 {
		t.Fatalf("index(4) = %d", i)
	}
	if _, err := l.Index(ctx, 42); !errors.Is(err, manager.ErrKeyNotFound) {
		t.Fatalf("index(42): %v", err)
	}
	if v := must(l.Pop(ctx, -1))(t); v != 6 {
		t.Fatalf("pop() = %d", v)
	}
	if err := l.Set(ctx, 1, 10); err != nil {
		t.Fatal(err)
	}
	if all := must(l.All(ctx))(t); !slices.Equal(all, []int{0, 10, 2, 3, 4, 5}) {
		t.Fatalf("list %v", all)
	}
	if n := must(l.Len(ctx))(t); n != 6 {
		t.Fatalf("len %d", n)
	}
}

func testManagerNamespace(t *testing.T, ctx context.Context, m *manager.Manager) {
	ns := must(manager.NewNamespace(ctx, m))(t)
	if err := ns.Set(ctx, "x", 42); err != nil {
		t.Fatal(err)
	}
	if err := ns.Set(ctx, "name", "mproc"); err != nil {
		t.Fatal(err)
	}
	var x int
	var name string
	if err := ns.Get(ctx, "x", &x); err != nil || x != 42 {
		t.Fatalf("x = %d, %v", x, err)
	}
	if err := ns.Get(ctx, "name", &name); err != nil || name != "mproc" {
		t.Fatalf("name = %q, %v", name, err)
	}
	if err := ns.Get(ctx, "y", &x); !errors.Is(err, manager.ErrKeyNotFound) {
		t.Fatalf("missing attribute: %v", err)
	}
	if names := must(ns.Names(ctx))(t); !slices.Equal(names, []string{"x", "name"}) {
		t.Fatalf("names %v", names)
	}
	if err := ns.Set(ctx, "f", func() {}); !errors.Is(err, mproc.ErrUnencodable) {
		t.Fatalf("a func attribute: %v", err)
	}
}

type nestedArg struct {
	D *manager.Dict[string, *manager.List[int]]
}

var mgrNested = mproc.Register[nestedArg, mproc.None]("test.mgr.nested", func(ctx context.Context, a nestedArg) error {
	l, err := a.D.Get(ctx, "list")
	if err != nil {
		return err
	}
	return l.Append(ctx, 99)
})

// A list stored in a dict is the same list wherever it is read from.
func testManagerNested(t *testing.T, ctx context.Context, m *manager.Manager) {
	l := must(manager.NewList(ctx, m, []int{1}))(t)
	d := must(manager.NewDict[string, *manager.List[int]](ctx, m, nil))(t)
	if err := d.Set(ctx, "list", l); err != nil {
		t.Fatal(err)
	}
	waitOK(t, ctx, testmain.StartChild(t, ctx, mgrNested, nestedArg{d}))
	if all := must(l.All(ctx))(t); !slices.Equal(all, []int{1, 99}) {
		t.Fatalf("the list after a child appended through the dict: %v", all)
	}
	again := must(d.Get(ctx, "list"))(t)
	if n := must(again.Len(ctx))(t); n != 2 {
		t.Fatalf("len through the dict: %d", n)
	}
}
