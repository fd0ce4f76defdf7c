package mproc_test

import (
	"context"
	"errors"
	"math"
	"os"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"mproc"
)

type atomicInt interface{ ~int64 | ~int32 | ~uint32 }

// valueAddArg: increments of V for workFor, half by Add, half by a
// CompareAndSwap loop.
type valueAddArg[T atomicInt] struct {
	Gate gate
	V    *mproc.Value[T]
}

func valueAddLoop[T atomicInt](ctx context.Context, a valueAddArg[T]) (int, error) {
	if err := a.Gate.pass(ctx); err != nil {
		return 0, err
	}
	return loopFor(workFor, func(i int) {
		if i%2 == 0 {
			a.V.Add(1)
			return
		}
		for {
			old := a.V.Load()
			if a.V.CompareAndSwap(old, old+1) {
				return
			}
		}
	}), nil
}

// account is a struct whose invariant (A+B constant, Moves counts the
// updates) only holds if every update is exclusive.
type account struct {
	A, B  int64
	Moves int32
	F     float64
	Flags [3]bool
}

type valueUpdateArg struct {
	Gate   gate
	V      *mproc.Value[account]
	Total  int64               // A+B
	Broken *mproc.Value[int32] // updates that found the invariant broken
}

type valueStoreArg struct {
	V *mproc.Value[int64]
	X int64
}

type arrayBumpArg struct {
	Gate gate
	A    *mproc.Array[int64]
}

type floatAddArg struct {
	Gate gate
	V    *mproc.Value[float64]
}

var (
	valueAdd64  = mproc.Register[valueAddArg[int64], int]("test.sync.value.add.int64", valueAddLoop[int64])
	valueAdd32  = mproc.Register[valueAddArg[int32], int]("test.sync.value.add.int32", valueAddLoop[int32])
	valueAddU32 = mproc.Register[valueAddArg[uint32], int]("test.sync.value.add.uint32", valueAddLoop[uint32])

	valueAddFloat = mproc.Register[floatAddArg, int]("test.sync.value.add.float64", valueAddFloatLoop)
	valueUpdate   = mproc.Register[valueUpdateArg, int]("test.sync.value.update", valueUpdateLoop)

	// valueStore stores X and reports whether V has a lock in the child.
	valueStore = mproc.Register[valueStoreArg, bool]("test.sync.value.store", func(a valueStoreArg) bool {
		a.V.Store(a.X)
		return a.V.Locker() != nil
	})

	// valueStoreViaGrandchild passes V on to a child of its own, which stores X.
	valueStoreViaGrandchild = mproc.Register[valueStoreArg, mproc.None]("test.sync.value.grandchild", func(ctx context.Context, a valueStoreArg) error {
		_, err := valueStore.Call(ctx, a)
		return err
	})

	arraySquares = mproc.Register[*mproc.Array[int64], mproc.None]("test.sync.array.squares", func(a *mproc.Array[int64]) {
		for i := range a.Len() {
			a.Set(i, int64(i*i))
		}
	})

	arrayBump = mproc.Register[arrayBumpArg, int]("test.sync.array.bump", arrayBumpLoop)
)

// valueAddFloatLoop adds 0.5 (under the lock) for workFor.
func valueAddFloatLoop(ctx context.Context, a floatAddArg) (int, error) {
	if err := a.Gate.pass(ctx); err != nil {
		return 0, err
	}
	return loopFor(workFor, func(int) { a.V.Add(0.5) }), nil
}

// valueUpdateLoop moves 3 from A to B under Update for workFor, checking
// the invariant each time; a yield in the middle of some updates widens the
// window an exclusion bug would fall into.
func valueUpdateLoop(ctx context.Context, a valueUpdateArg) (int, error) {
	if err := a.Gate.pass(ctx); err != nil {
		return 0, err
	}
	return loopFor(workFor, func(i int) {
		a.V.Update(func(p *account) {
			if p.A+p.B != a.Total {
				a.Broken.Add(1)
			}
			p.A -= 3
			if i%16 == 0 {
				runtime.Gosched()
			}
			p.B += 3
			p.Moves++
			p.F += 0.25
			p.Flags[i%3] = !p.Flags[i%3]
		})
	}), nil
}

// arrayBumpLoop adds one to every element under Update for workFor.
func arrayBumpLoop(ctx context.Context, a arrayBumpArg) (int, error) {
	if err := a.Gate.pass(ctx); err != nil {
		return 0, err
	}
	return loopFor(workFor, func(i int) {
		a.A.Update(func(s []int64) {
			for j := range s {
				x := s[j]
				if j == len(s)/2 && i%16 == 0 {
					runtime.Gosched()
				}
				s[j] = x + 1
			}
		})
	}), nil
}

func TestValue(t *testing.T) {
	noChildLeft(t)
	parallel(t, "LoadStore", testValueLoadStore)
	parallel(t, "AtomicInt64AcrossProcesses", testValueAtomic(valueAdd64))
	parallel(t, "AtomicInt32AcrossProcesses", testValueAtomic(valueAdd32))
	parallel(t, "AtomicUint32AcrossProcesses", testValueAtomic(valueAddU32))
	parallel(t, "CompareAndSwap", testValueCompareAndSwap)
	parallel(t, "UpdateStructAcrossProcesses", testValueUpdateStruct)
	parallel(t, "Float64Add", testValueFloat64Add)
	parallel(t, "OtherTypes", testValueOtherTypes)
	parallel(t, "Raw", testValueRaw)
	parallel(t, "PointersRefused", testValuePointersRefused)
	parallel(t, "ChildWritesVisible", testValueChildWritesVisible)
}

func testValueLoadStore(t *testing.T) {
	v := newValue[int64](t, 42)
	if got := v.Load(); got != 42 {
		t.Fatalf("Load = %d", got)
	}
	v.Store(-7)
	if got := v.Load(); got != -7 || *v.Pointer() != -7 {
		t.Fatalf("after Store(-7): Load %d, *Pointer %d", got, *v.Pointer())
	}
	if got := v.Add(10); got != 3 {
		t.Fatalf("Add(10) = %d", got)
	}
	if v.Locker() == nil {
		t.Fatal("a Value has no lock")
	}
}

// Four children and this process increment the value for a while, half
// with Add, half with CompareAndSwap: the total is exact.
func testValueAtomic[T atomicInt](f *mproc.Func[valueAddArg[T], int]) func(t *testing.T) {
	return func(t *testing.T) {
		ctx := ctxTimeout(t, 60*time.Second)
		a := valueAddArg[T]{Gate: newGate(t), V: newValue[T](t, 0)}
		n := runWorkers(t, ctx, a.Gate, f, valueAddLoop[T], a, 4, 1)
		if got := a.V.Load(); got != T(n) {
			t.Fatalf("%T total = %d after %d increments", got, got, n)
		}
		t.Logf("%d increments", n)
	}
}

func testValueCompareAndSwap(t *testing.T) {
	v := newValue[int32](t, 5)
	if v.CompareAndSwap(4, 9) || v.Load() != 5 {
		t.Fatalf("CompareAndSwap with the wrong old value swapped: %d", v.Load())
	}
	if !v.CompareAndSwap(5, 9) || v.Load() != 9 {
		t.Fatalf("CompareAndSwap with the right old value: %d", v.Load())
	}
	if got := v.Add(-10); got != -1 {
		t.Fatalf("Add(-10) = %d", got)
	}
	u := newValue[uint32](t, math.MaxUint32)
	if got := u.Add(1); got != 0 {
		t.Fatalf("uint32 Add wraps to %d", got)
	}
	p := newValue(t, account{A: 1})
	if p.CompareAndSwap(account{A: 2}, account{A: 3}) || !p.CompareAndSwap(account{A: 1}, account{A: 4}) || p.Load().A != 4 {
		t.Fatalf("CompareAndSwap of a struct: %+v", p.Load())
	}
}

// Four children Update a struct under the value's lock while this process
// reads it with Load: every update is exclusive and every Load consistent.
func testValueUpdateStruct(t *testing.T) {
	ctx := ctxTimeout(t, 60*time.Second)
	const total = 1000
	a := valueUpdateArg{Gate: newGate(t), V: newValue(t, account{A: total}), Total: total, Broken: newValue[int32](t, 0)}
	loads, torn := 0, 0
	stop := make(chan struct{})
	reader := make(chan struct{})
	go func() {
		defer close(reader)
		for {
			select {
			case <-stop:
				return
			default:
			}
			if got := a.V.Load(); got.A+got.B != total {
				torn++
			}
			loads++
			runtime.Gosched()
		}
	}()
	n := runWorkers(t, ctx, a.Gate, valueUpdate, valueUpdateLoop, a, 4, 0)
	close(stop)
	<-reader
	got := a.V.Load()
	want := account{A: total - 3*int64(n), B: 3 * int64(n), Moves: int32(n), F: 0.25 * float64(n)}
	got.Flags = [3]bool{}
	if got != want {
		t.Errorf("after %d updates: %+v, want %+v", n, got, want)
	}
	if b := a.Broken.Load(); b != 0 {
		t.Errorf("%d of %d updates found another one half-done", b, n)
	}
	if torn != 0 {
		t.Errorf("%d of %d Loads saw a half-done update", torn, loads)
	}
	t.Logf("%d updates, %d consistent Loads meanwhile", n, loads)
}

// Add on a float64 (under the lock) from four children and this process.
func testValueFloat64Add(t *testing.T) {
	ctx := ctxTimeout(t, 60*time.Second)
	a := floatAddArg{Gate: newGate(t), V: newValue(t, 0.0)}
	n := runWorkers(t, ctx, a.Gate, valueAddFloat, valueAddFloatLoop, a, 4, 1)
	if got := a.V.Load(); got != 0.5*float64(n) {
		t.Fatalf("float64 total = %v after %d additions of 0.5", got, n)
	}
}

// bool, float64, complex, a small struct, an array, a narrow int.
func testValueOtherTypes(t *testing.T) {
	b := newValue(t, false)
	b.Store(true)
	if !b.Load() || !b.CompareAndSwap(true, false) || b.Load() {
		t.Fatal("Value[bool]")
	}
	f := newValue(t, 1.5)
	f.Store(math.Pi)
	if f.Load() != math.Pi || f.Add(1) != math.Pi+1 {
		t.Fatal("Value[float64]")
	}
	c := newValue(t, complex(1, 2))
	if c.Add(complex(1, 1)) != complex(2, 3) {
		t.Fatal("Value[complex128]")
	}
	type point struct{ X, Y int16 }
	p := newValue(t, point{1, 2})
	p.Update(func(q *point) { q.X, q.Y = q.Y, q.X })
	if p.Load() != (point{2, 1}) {
		t.Fatalf("Value[point] = %+v", p.Load())
	}
	arr := newValue(t, [4]uint8{1, 2, 3, 4})
	arr.Store([4]uint8{4, 3, 2, 1})
	if arr.Load() != [4]uint8{4, 3, 2, 1} {
		t.Fatal("Value[[4]uint8]")
	}
	i8 := newValue[int8](t, 120)
	if i8.Add(10) != -126 {
		t.Fatal("Value[int8].Add does not wrap")
	}
	defer func() {
		if recover() == nil {
			t.Fatal("Add on a Value[bool] did not panic")
		}
	}()
	b.Add(true)
}

// A raw value has no lock, and works, here and in a child.
func testValueRaw(t *testing.T) {
	ctx := ctxTimeout(t, 30*time.Second)
	v := newRawValue[int64](t, 1)
	if v.Locker() != nil {
		t.Fatal("a raw value has a lock")
	}
	v.Store(2)
	v.Update(func(p *int64) { *p *= 10 })
	if v.Add(1) != 21 || v.Load() != 21 || !v.CompareAndSwap(21, 22) {
		t.Fatalf("raw value: %d", v.Load())
	}
	if hasLock := waitOK(t, ctx, startChild(t, ctx, valueStore, valueStoreArg{V: v, X: 99})); hasLock {
		t.Fatal("a raw value has a lock in a child")
	}
	if got := v.Load(); got != 99 {
		t.Fatalf("a child's Store to a raw value: %d", got)
	}
	s := newRawValue(t, account{A: 1})
	s.Update(func(p *account) { p.B = 2 })
	if s.Load() != (account{A: 1, B: 2}) {
		t.Fatalf("raw struct value: %+v", s.Load())
	}
	a, err := mproc.NewRawArray[int32](3)
	if err != nil {
		t.Fatal(err)
	}
	if a.Locker() != nil {
		t.Fatal("a raw array has a lock")
	}
	a.Update(func(s []int32) { s[1] = 5 })
	if !slices.Equal(a.Copy(), []int32{0, 5, 0}) {
		t.Fatalf("raw array: %v", a.Copy())
	}
}

// Types whose memory means nothing in another process are refused.
func testValuePointersRefused(t *testing.T) {
	check := func(what string, err error) {
		t.Helper()
		if !errors.Is(err, mproc.ErrUnencodable) {
			t.Errorf("%s: %v, want ErrUnencodable", what, err)
		}
	}
	_, err := mproc.NewValue("a string")
	check("NewValue(string)", err)
	_, err = mproc.NewValue([]int{1})
	check("NewValue([]int)", err)
	_, err = mproc.NewValue(struct {
		N int
		S string
	}{})
	check("NewValue(struct with a string)", err)
	_, err = mproc.NewValue(new(int))
	check("NewValue(*int)", err)
	_, err = mproc.NewValue(map[int]int{})
	check("NewValue(map)", err)
	_, err = mproc.NewValue[any](1)
	check("NewValue[any]", err)
	_, err = mproc.NewRawValue([2]string{})
	check("NewRawValue([2]string)", err)
	_, err = mproc.NewArray[string](3)
	check("NewArray[string]", err)
	_, err = mproc.NewArrayFrom([][]byte{nil})
	check("NewArrayFrom([][]byte)", err)
}

// A child's Store is seen here, also when it came through a grandchild.
func testValueChildWritesVisible(t *testing.T) {
	ctx := ctxTimeout(t, 30*time.Second)
	v := newValue[int64](t, 0)
	if !waitOK(t, ctx, startChild(t, ctx, valueStore, valueStoreArg{V: v, X: 1234})) {
		t.Fatal("a Value has no lock in a child")
	}
	if got := v.Load(); got != 1234 {
		t.Fatalf("after a child's Store: %d", got)
	}
	waitOK(t, ctx, startChild(t, ctx, valueStoreViaGrandchild, valueStoreArg{V: v, X: 5678}))
	if got := v.Load(); got != 5678 {
		t.Fatalf("after a grandchild's Store: %d", got)
	}
}

func TestArray(t *testing.T) {
	noChildLeft(t)
	parallel(t, "ZeroFilledGetSetLen", testArrayBasics)
	parallel(t, "ChildWritesVisible", testArrayChildWrites)
	parallel(t, "UpdateAcrossProcesses", testArrayUpdate)
	parallel(t, "CopyAndFrom", testArrayCopyAndFrom)
	parallel(t, "OutOfRangePanics", testArrayOutOfRange)
}

func testArrayBasics(t *testing.T) {
	a := newArray[int64](t, 10)
	if a.Len() != 10 {
		t.Fatalf("Len = %d", a.Len())
	}
	for i := range a.Len() {
		if a.Get(i) != 0 {
			t.Fatalf("element %d of a new array = %d", i, a.Get(i))
		}
	}
	a.Set(3, 33)
	a.Slice()[4] = 44
	if a.Get(3) != 33 || a.Get(4) != 44 || a.Get(5) != 0 {
		t.Fatalf("after Set: %v", a.Copy())
	}
	type pt struct {
		X float32
		Y [2]int8
	}
	s := newArray[pt](t, 2)
	s.Set(1, pt{1.5, [2]int8{-1, 1}})
	if s.Get(1) != (pt{1.5, [2]int8{-1, 1}}) || s.Get(0) != (pt{}) {
		t.Fatalf("array of structs: %v", s.Copy())
	}
	e := newArray[int32](t, 0)
	if e.Len() != 0 || len(e.Copy()) != 0 {
		t.Fatalf("empty array: %d %v", e.Len(), e.Copy())
	}
	if a.Locker() == nil {
		t.Fatal("an Array has no lock")
	}
}

func testArrayChildWrites(t *testing.T) {
	ctx := ctxTimeout(t, 30*time.Second)
	a := newArray[int64](t, 100)
	waitOK(t, ctx, startChild(t, ctx, arraySquares, a))
	for i := range a.Len() {
		if a.Get(i) != int64(i*i) {
			t.Fatalf("element %d after the child's writes = %d", i, a.Get(i))
		}
	}
}

// Four children and this process each add one to every element under
// Update, for a while: every element ends at the number of updates.
func testArrayUpdate(t *testing.T) {
	ctx := ctxTimeout(t, 60*time.Second)
	a := arrayBumpArg{Gate: newGate(t), A: newArray[int64](t, 16)}
	n := runWorkers(t, ctx, a.Gate, arrayBump, arrayBumpLoop, a, 4, 1)
	for i, x := range a.A.Copy() {
		if x != int64(n) {
			t.Fatalf("element %d = %d after %d updates", i, x, n)
		}
	}
	t.Logf("%d updates", n)
}

// Copy and NewArrayFrom copy: changing the copy or the source leaves the
// shared array alone.
func testArrayCopyAndFrom(t *testing.T) {
	src := []uint16{1, 2, 3}
	a, err := mproc.NewArrayFrom(src)
	if err != nil {
		t.Fatal(err)
	}
	src[0] = 100
	if a.Len() != 3 || a.Get(0) != 1 {
		t.Fatalf("NewArrayFrom shares its source: %v", a.Copy())
	}
	c := a.Copy()
	c[1] = 200
	if a.Get(1) != 2 || !slices.Equal(a.Copy(), []uint16{1, 2, 3}) {
		t.Fatalf("Copy shares the array: %v", a.Copy())
	}
}

func testArrayOutOfRange(t *testing.T) {
	a := newArray[int32](t, 3)
	for _, f := range map[string]func(){
		"Get(3)":    func() { a.Get(3) },
		"Get(-1)":   func() { a.Get(-1) },
		"Set(3, 1)": func() { a.Set(3, 1) },
		"Get(0) of an empty array": func() {
			e, _ := mproc.NewArray[int32](0)
			e.Get(0)
		},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Error("an out-of-range index did not panic")
				}
			}()
			f()
		}()
	}
	if !slices.Equal(a.Copy(), []int32{0, 0, 0}) {
		t.Fatalf("after the failed accesses: %v", a.Copy())
	}
}

// ---- Shared objects inside arguments and results ----

// bundle holds several objects, the Condition on the same Lock as L.
type bundle struct {
	L *mproc.Lock
	E *mproc.Event
	A *mproc.Array[int32]
	C *mproc.Condition
}

// twins holds the same objects twice.
type twins struct {
	L1, L2 *mproc.Lock
	V1, V2 *mproc.Value[int64]
}

type twinsReport struct {
	SameLock  bool // L2 was locked after L1.Lock, and free after L2.Unlock
	SameValue bool // V1.Store showed in V2
}

type collections struct {
	Events []*mproc.Event
	Values map[string]*mproc.Value[int64]
	Nil    *mproc.Lock
	Arrays [2]*mproc.Array[float32]
}

var (
	// useBundle: with the condition's lock (which is L), write A, set E,
	// notify; A[2] = 1 if L was seen to be that same lock.
	useBundle = mproc.Register[bundle, mproc.None]("test.sync.pass.bundle", func(ctx context.Context, b bundle) error {
		if err := b.C.LockContext(ctx); err != nil {
			return err
		}
		b.A.Set(0, 42)
		b.A.Set(1, int32(os.Getpid()))
		if lockOwner(b.L) == os.Getpid() && !b.L.TryLock() {
			b.A.Set(2, 1)
		}
		b.E.Set()
		if err := b.C.NotifyAll(); err != nil {
			return err
		}
		b.C.Unlock()
		return nil
	})

	useTwins = mproc.Register[twins, twinsReport]("test.sync.pass.twins", func(w twins) twinsReport {
		var r twinsReport
		w.L1.Lock()
		locked := mproc.Locked(w.L2) && !w.L2.TryLock()
		w.L2.Unlock()
		r.SameLock = locked && !mproc.Locked(w.L1)
		w.V1.Store(77)
		r.SameValue = w.V2.Load() == 77
		return r
	})

	useCollections = mproc.Register[collections, string]("test.sync.pass.collections", func(c collections) string {
		var bad []string
		for _, e := range c.Events {
			e.Set()
		}
		for k, v := range c.Values {
			v.Store(int64(len(k)))
		}
		if c.Nil != nil {
			bad = append(bad, "a nil Lock arrived as non-nil")
		}
		for i, a := range c.Arrays {
			a.Set(0, float32(i)+0.5)
		}
		return strings.Join(bad, ", ")
	})

	// makeObjects creates objects in the child and returns them, used.
	makeObjects = mproc.Register[mproc.None, bundle]("test.sync.pass.make", func() (bundle, error) {
		l, err := mproc.NewLock()
		if err != nil {
			return bundle{}, err
		}
		e, err := mproc.NewEvent()
		if err != nil {
			return bundle{}, err
		}
		a, err := mproc.NewArrayFrom([]int32{7, 8, 9})
		if err != nil {
			return bundle{}, err
		}
		c, err := mproc.NewCondition(l)
		if err != nil {
			return bundle{}, err
		}
		e.Set()
		return bundle{L: l, E: e, A: a, C: c}, nil
	})
)

func TestPassingLockEventArray(t *testing.T) {
	noChildLeft(t)
	parallel(t, "SeveralInOneStruct", testPassingBundle)
	parallel(t, "SameObjectTwice", testPassingTwins)
	parallel(t, "SlicesMapsNil", testPassingCollections)
	parallel(t, "InAResult", testPassingResult)
}

// A struct with a Lock, an Event, an Array and a Condition on that Lock:
// the child sees them all, and the Condition's lock is the Lock.
func testPassingBundle(t *testing.T) {
	ctx := ctxTimeout(t, 30*time.Second)
	l := newLock(t)
	c, err := mproc.NewCondition(l)
	if err != nil {
		t.Fatal(err)
	}
	b := bundle{L: l, E: newEvent(t), A: newArray[int32](t, 3), C: c}
	if err := c.LockContext(ctx); err != nil {
		t.Fatal(err)
	}
	p := startChild(t, ctx, useBundle, b)
	if err := c.WaitFor(ctx, func() bool { return b.A.Get(0) == 42 }); err != nil {
		t.Fatal(err)
	}
	c.Unlock()
	waitOK(t, ctx, p)
	if !b.E.IsSet() || b.A.Get(1) != int32(p.Pid()) || b.A.Get(2) != 1 {
		t.Fatalf("after the child: event %v, array %v (want [42 %d 1])", b.E.IsSet(), b.A.Copy(), p.Pid())
	}
	if mproc.Locked(l) {
		t.Fatalf("the lock is left %v", l)
	}
}

// The same Lock and the same Value twice in one argument are one lock and
// one value in the child.
func testPassingTwins(t *testing.T) {
	ctx := ctxTimeout(t, 30*time.Second)
	l, v := newLock(t), newValue[int64](t, 0)
	r := waitOK(t, ctx, startChild(t, ctx, useTwins, twins{L1: l, L2: l, V1: v, V2: v}))
	if !r.SameLock || !r.SameValue {
		t.Fatalf("in the child: %+v", r)
	}
	if v.Load() != 77 || mproc.Locked(l) {
		t.Fatalf("after the child: value %d, %v", v.Load(), l)
	}
}

// Objects in a slice, a map and an array arrive; a nil one stays nil.
func testPassingCollections(t *testing.T) {
	ctx := ctxTimeout(t, 30*time.Second)
	c := collections{
		Events: []*mproc.Event{newEvent(t), newEvent(t), newEvent(t)},
		Values: map[string]*mproc.Value[int64]{"a": newValue[int64](t, 0), "bcd": newValue[int64](t, 0)},
		Arrays: [2]*mproc.Array[float32]{newArray[float32](t, 1), newArray[float32](t, 1)},
	}
	if bad := waitOK(t, ctx, startChild(t, ctx, useCollections, c)); bad != "" {
		t.Fatal(bad)
	}
	for i, e := range c.Events {
		if !e.IsSet() {
			t.Fatalf("event %d not set", i)
		}
	}
	if c.Values["a"].Load() != 1 || c.Values["bcd"].Load() != 3 {
		t.Fatalf("values: %v %v", c.Values["a"], c.Values["bcd"])
	}
	if c.Arrays[0].Get(0) != 0.5 || c.Arrays[1].Get(0) != 1.5 {
		t.Fatalf("arrays: %v %v", c.Arrays[0].Copy(), c.Arrays[1].Copy())
	}
}

// Objects a child creates and returns in a struct work here, and can be
// passed on to another child.
func testPassingResult(t *testing.T) {
	ctx := ctxTimeout(t, 30*time.Second)
	b := waitOK(t, ctx, startChild(t, ctx, makeObjects, mproc.None{}))
	if !b.E.IsSet() || !slices.Equal(b.A.Copy(), []int32{7, 8, 9}) || mproc.Locked(b.L) {
		t.Fatalf("objects from a child: event %v, array %v, %v", b.E.IsSet(), b.A.Copy(), b.L)
	}
	b.E.Clear()
	if err := b.C.LockContext(ctx); err != nil {
		t.Fatal(err)
	}
	p := startChild(t, ctx, useBundle, b)
	if err := b.C.WaitFor(ctx, func() bool { return b.A.Get(0) == 42 }); err != nil {
		t.Fatal(err)
	}
	b.C.Unlock()
	waitOK(t, ctx, p)
	if !b.E.IsSet() || b.A.Get(2) != 1 {
		t.Fatalf("a third process using them: event %v, array %v", b.E.IsSet(), b.A.Copy())
	}
}
