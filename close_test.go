//go:build unix

package mproc_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"mproc"
)

// resources are what this process holds of mproc's shared objects: the
// memfd segments and sockets it has descriptors for, and the memfd
// segments it has mapped, each by inode.
type resources struct{ memfds, sockets, mappings map[string]int }

func countResources(t *testing.T) resources {
	t.Helper()
	r := resources{map[string]int{}, map[string]int{}, map[string]int{}}
	fds, err := filepath.Glob("/proc/self/fd/*")
	if err != nil {
		t.Fatal(err)
	}
	for _, fd := range fds {
		link, err := os.Readlink(fd)
		switch {
		case err != nil: // the directory's own descriptor, gone by now
		case strings.HasPrefix(link, "/memfd:mproc"):
			if st, err := os.Stat(fd); err == nil {
				r.memfds[fmt.Sprint(st.Sys().(*syscall.Stat_t).Ino)]++
			}
		case strings.HasPrefix(link, "socket:"):
			r.sockets[link]++
		}
	}
	maps, err := os.ReadFile("/proc/self/maps")
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.Lines(string(maps)) {
		if f := strings.Fields(line); len(f) >= 6 && strings.HasPrefix(f[5], "/memfd:mproc") {
			r.mappings[f[4]]++
		}
	}
	return r
}

// newSince lists what r holds that before did not: leaks, once the objects
// made in between are closed. (The garbage collector may free older objects
// meanwhile, so only new inodes count.)
func (r resources) newSince(before resources) []string {
	var out []string
	for kind, pair := range map[string][2]map[string]int{
		"memfd descriptor": {r.memfds, before.memfds},
		"socket":           {r.sockets, before.sockets},
		"memfd mapping":    {r.mappings, before.mappings},
	} {
		for ino, n := range pair[0] {
			if n > pair[1][ino] {
				out = append(out, fmt.Sprintf("%s %s (%d)", kind, ino, n-pair[1][ino]))
			}
		}
	}
	return out
}

// closer is a shared object made for the test, and what it holds.
type closer interface{ Close() error }

// makeEveryKind makes one shared object of every kind, and some views of
// them (an RLock's owner, a Value's lock), all to be closed.
func makeEveryKind(t *testing.T) []closer {
	t.Helper()
	var out []closer
	add := func(c closer, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, c)
	}
	add(mproc.NewLock())
	rl, err := mproc.NewRLock()
	add(rl, err)
	add(rl.NewOwner(), nil)
	add(mproc.NewSemaphore(2))
	add(mproc.NewBoundedSemaphore(2))
	add(mproc.NewEvent())
	add(mproc.NewCondition(nil))
	l, err := mproc.NewLock()
	add(l, err)
	add(mproc.NewCondition(l))
	add(mproc.NewBarrier(2))
	v, err := mproc.NewValue[int64](1)
	add(v, err)
	add(v.Locker(), nil)
	add(mproc.NewRawValue[[4]int32]([4]int32{}))
	add(mproc.NewArray[float64](1000))
	add(mproc.NewRawArray[byte](10))
	small := mproc.WithQueueBuffer(64 << 10)
	add(mproc.NewQueue[int](0, small))
	add(mproc.NewJoinableQueue[string](0, small))
	add(mproc.NewSimpleQueue[int](small))
	return out
}

// Close frees what a shared object holds in this process at once, without
// the garbage collector: descriptors and mappings go back to what they
// were. Not parallel: it counts the whole process's descriptors.
func TestCloseFreesWithoutGC(t *testing.T) {
	before := countResources(t)
	var all []closer
	for range 20 {
		all = append(all, makeEveryKind(t)...)
	}
	held := countResources(t)
	if n := len(held.newSince(before)); n < 100 {
		t.Fatalf("the objects hold only %d new descriptors and mappings", n)
	}
	for _, c := range all {
		if err := c.Close(); err != nil {
			t.Fatalf("%T.Close: %v", c, err)
		}
	}
	if left := countResources(t).newSince(before); len(left) > 0 {
		t.Fatalf("after Close, %d remain of those the objects held, e.g. %v", len(left), left[:min(5, len(left))])
	}
	for _, c := range all {
		if err := c.Close(); err != nil {
			t.Fatalf("a second %T.Close: %v", c, err)
		}
	}
}

// After Close, calls that return an error return ErrClosed, and calls that
// can't panic rather than touch memory this process let go of.
func TestUseAfterClose(t *testing.T) {
	ctx := ctxTimeout(t, 10*time.Second)
	closed := func(c closer) {
		t.Helper()
		if err := c.Close(); err != nil {
			t.Fatal(err)
		}
	}
	wantClosed := func(what string, err error) {
		t.Helper()
		if !errors.Is(err, mproc.ErrClosed) {
			t.Errorf("%s after Close = %v, want ErrClosed", what, err)
		}
	}
	panics := func(what string, f func()) {
		t.Helper()
		defer func() {
			t.Helper()
			if r := recover(); r == nil || !strings.Contains(r.(string), "closed") {
				t.Errorf("%s after Close: panic %v, want one that says closed", what, r)
			}
		}()
		f()
	}
	l := newLock(t)
	closed(l)
	wantClosed("Lock.LockContext", l.LockContext(ctx))
	panics("Lock.Lock", l.Lock)
	panics("Lock.TryLock", func() { l.TryLock() })
	_, err := l.MarshalBinary()
	wantClosed("Lock.MarshalBinary", err)

	rl := newRLock(t)
	view := rl.NewOwner()
	closed(rl)
	wantClosed("RLock.LockContext of a view", view.LockContext(ctx))
	panics("RLock.Unlock", rl.Unlock)

	s, err := mproc.NewSemaphore(1)
	if err != nil {
		t.Fatal(err)
	}
	closed(s)
	wantClosed("Semaphore.Acquire", s.Acquire(ctx))
	wantClosed("Semaphore.Release", s.Release())
	panics("Semaphore.TryAcquire", func() { s.TryAcquire() })

	e := newEvent(t)
	closed(e)
	wantClosed("Event.Wait", e.Wait(ctx))
	panics("Event.Set", e.Set)

	c, err := mproc.NewCondition(nil)
	if err != nil {
		t.Fatal(err)
	}
	closed(c)
	wantClosed("Condition.LockContext", c.LockContext(ctx))
	wantClosed("Condition.Wait", c.Wait(ctx))
	wantClosed("Condition.Notify", c.Notify(1))
	panics("Condition.Lock", c.Lock)

	b, err := mproc.NewBarrier(2)
	if err != nil {
		t.Fatal(err)
	}
	closed(b)
	_, err = b.Wait(ctx)
	wantClosed("Barrier.Wait", err)
	panics("Barrier.Abort", b.Abort)

	v := newValue[int64](t, 3)
	lock := v.Locker()
	closed(v)
	panics("Value.Load", func() { v.Load() })
	panics("Value.Add", func() { v.Add(1) })
	panics("the lock of a closed Value", lock.Lock)

	a, err := mproc.NewArray[int32](4)
	if err != nil {
		t.Fatal(err)
	}
	closed(a)
	panics("Array.Get", func() { a.Get(0) })

	q := newQueue[int](t, 0)
	closed(q)
	wantClosed("Queue.Put", q.Put(ctx, 1))
	_, err = q.TryGet()
	wantClosed("Queue.TryGet", err)
	panics("Queue.Len", func() { q.Len() })
}

type closedByParentArg struct {
	L  *mproc.Lock
	RL *mproc.RLock
	V  *mproc.Value[int64]
	A  *mproc.Array[int32]
	C  *mproc.Condition
	Go *mproc.Event
}

// useClosedByParent waits until the parent has closed its copies, then
// uses its own.
var useClosedByParent = mproc.Register[closedByParentArg, int64]("test.close.child", func(ctx context.Context, a closedByParentArg) (int64, error) {
	if err := a.Go.Wait(ctx); err != nil {
		return 0, err
	}
	a.L.Lock()
	a.RL.Lock()
	a.V.Add(10)
	a.A.Set(1, 7)
	a.RL.Unlock()
	a.L.Unlock()
	if err := a.C.LockContext(ctx); err != nil {
		return 0, err
	}
	if err := a.C.NotifyAll(); err != nil {
		return 0, err
	}
	a.C.Unlock()
	return a.V.Load() + int64(a.A.Get(1)), nil
})

// A child keeps using objects its parent closed: the memory lives while
// any process has it.
func TestChildUsesWhatParentClosed(t *testing.T) {
	noChildLeft(t)
	ctx := ctxTimeout(t, 30*time.Second)
	a := closedByParentArg{L: newLock(t), RL: newRLock(t), V: newValue[int64](t, 5), Go: newEvent(t)}
	var err error
	if a.A, err = mproc.NewArray[int32](2); err != nil {
		t.Fatal(err)
	}
	if a.C, err = mproc.NewCondition(nil); err != nil {
		t.Fatal(err)
	}
	p := startChild(t, ctx, useClosedByParent, a)
	for _, c := range []io.Closer{a.L, a.RL, a.V, a.A, a.C} {
		if err := c.Close(); err != nil {
			t.Fatal(err)
		}
	}
	a.Go.Set()
	if got := waitOK(t, ctx, p); got != 5+10+7 {
		t.Fatalf("the child computed %d with what the parent closed, want 22", got)
	}
}
