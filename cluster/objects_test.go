package cluster_test

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"mproc"
	"mproc/cluster"
	"mproc/internal/testmain"
)

type incrArg struct {
	URL string
	N   int
}

// Incr adds 1 to the dict's "n" N times, from a process of its own.
var Incr = mproc.Register[incrArg, mproc.None]("cluster_test.incr", func(ctx context.Context, a incrArg) error {
	c, err := cluster.Connect(ctx, a.URL)
	if err != nil {
		return err
	}
	defer c.Close()
	d, err := cluster.NewDict[string, int](ctx, c, "counters")
	if err != nil {
		return err
	}
	for range a.N {
		if _, err := d.Modify(ctx, "n", func(v int, _ bool) (int, error) { return v + 1, nil }); err != nil {
			return err
		}
	}
	return nil
})

func TestDict(t *testing.T) {
	testmain.NoChildLeft(t)
	ctx := ctxTimeout(t, 60*time.Second)
	s := startNATS(t)
	c := connect(t, ctx, s.url())
	type point struct{ X, Y int }
	d, err := cluster.NewDict[point, string](ctx, c, "points")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Get(ctx, point{1, 2}); !errors.Is(err, cluster.ErrNotFound) {
		t.Fatalf("Get of a missing key: %v", err)
	}
	rev, err := d.Create(ctx, point{1, 2}, "a")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Create(ctx, point{1, 2}, "b"); !errors.Is(err, cluster.ErrExists) {
		t.Fatalf("a second Create: %v", err)
	}
	rev2, err := d.Update(ctx, point{1, 2}, "c", rev)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Update(ctx, point{1, 2}, "d", rev); !errors.Is(err, cluster.ErrConflict) {
		t.Fatalf("an Update at a stale revision: %v", err)
	}
	if v, r, err := d.Entry(ctx, point{1, 2}); err != nil || v != "c" || r != rev2 {
		t.Fatalf("Entry: %q %d %v; want c %d", v, r, err, rev2)
	}
	if _, err := d.Put(ctx, point{3, 4}, "e"); err != nil {
		t.Fatal(err)
	}
	keys, err := d.Keys(ctx)
	slices.SortFunc(keys, func(a, b point) int { return a.X - b.X })
	if err != nil || !slices.Equal(keys, []point{{1, 2}, {3, 4}}) {
		t.Fatalf("Keys: %v, %v", keys, err)
	}
	if err := d.Delete(ctx, point{1, 2}); err != nil {
		t.Fatal(err)
	}
	if n, err := d.Len(ctx); err != nil || n != 1 {
		t.Fatalf("Len after Delete: %d, %v", n, err)
	}

	// Compare-and-set from three processes: no increment is lost.
	var procs []*mproc.Proc[mproc.None]
	for range 3 {
		procs = append(procs, testmain.StartChild(t, ctx, Incr, incrArg{URL: s.url(), N: 30}))
	}
	for _, p := range procs {
		if _, err := p.Wait(ctx); err != nil {
			t.Fatal(err)
		}
	}
	counters, err := cluster.NewDict[string, int](ctx, c, "counters")
	if err != nil {
		t.Fatal(err)
	}
	if n, err := counters.Get(ctx, "n"); err != nil || n != 90 {
		t.Fatalf("three processes added 30 each: %d, %v", n, err)
	}
}

func TestQueue(t *testing.T) {
	t.Parallel()
	ctx := ctxTimeout(t, 30*time.Second)
	s := startNATS(t)
	c := connect(t, ctx, s.url())
	q, err := cluster.NewQueue[[]string](ctx, c, "jobs")
	if err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		if err := q.Put(ctx, []string{"job", strconv.Itoa(i)}); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := q.Len(ctx); err != nil || n != 5 {
		t.Fatalf("Len: %d, %v", n, err)
	}
	// Two getters share the items: each comes out once, in order per getter.
	var mu sync.Mutex
	var got []string
	var wg sync.WaitGroup
	for range 2 {
		q2, err := cluster.NewQueue[[]string](ctx, connect(t, ctx, s.url()), "jobs")
		if err != nil {
			t.Fatal(err)
		}
		wg.Go(func() {
			for {
				gctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
				v, err := q2.Get(gctx)
				cancel()
				if err != nil {
					if !errors.Is(err, mproc.ErrEmpty) || !errors.Is(err, context.DeadlineExceeded) {
						t.Errorf("Get: %v", err)
					}
					return
				}
				mu.Lock()
				got = append(got, v[1])
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	slices.Sort(got)
	if !slices.Equal(got, []string{"0", "1", "2", "3", "4"}) {
		t.Fatalf("the getters got %v", got)
	}
	if n, err := q.Len(ctx); err != nil || n != 0 {
		t.Fatalf("Len after: %d, %v", n, err)
	}
}

type holdLockArg struct {
	URL  string
	Dir  string
	Name string
}

// HoldLock takes a lock, writes its token, and holds it until killed.
var HoldLock = mproc.Register[holdLockArg, mproc.None]("cluster_test.holdlock", func(ctx context.Context, a holdLockArg) error {
	c, err := cluster.Connect(ctx, a.URL)
	if err != nil {
		return err
	}
	defer c.Close()
	l, err := cluster.NewLock(ctx, c, a.Name, cluster.WithTTL(2*time.Second))
	if err != nil {
		return err
	}
	if err := l.LockContext(ctx); err != nil {
		return err
	}
	if err := writeFile(filepath.Join(a.Dir, "token"), strconv.FormatUint(l.Token(), 10)); err != nil {
		return err
	}
	<-ctx.Done()
	return nil
})

// A holder that dies loses the lock after its TTL, and its token is
// refused after.
func TestLockHolderDies(t *testing.T) {
	testmain.NoChildLeft(t)
	ctx := ctxTimeout(t, 60*time.Second)
	s := startNATS(t)
	c := connect(t, ctx, s.url())
	dir := t.TempDir()
	holder := testmain.StartChild(t, ctx, HoldLock, holdLockArg{URL: s.url(), Dir: dir, Name: "res"})
	old, err := strconv.ParseUint(waitForFile(t, ctx, filepath.Join(dir, "token")), 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	l, err := cluster.NewLock(ctx, c, "res", cluster.WithTTL(2*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Check(ctx, old); err != nil {
		t.Fatalf("the holder's token while it lives: %v", err)
	}
	// Renewed while held: well past its TTL, the lock is still taken.
	tctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	err = l.LockContext(tctx)
	cancel()
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("LockContext while another holds it: %v", err)
	}
	if err := holder.Kill(); err != nil {
		t.Fatal(err)
	}
	killed := time.Now()
	if err := l.LockContext(ctx); err != nil {
		t.Fatal(err)
	}
	waited := time.Since(killed)
	t.Logf("the lock came free %v after its holder was killed (TTL 2 s)", waited)
	if waited > 10*time.Second {
		t.Errorf("the lock took %v to come free, with a TTL of 2 s", waited)
	}
	tok := l.Token()
	if tok <= old {
		t.Fatalf("the new token %d is not above the dead holder's %d", tok, old)
	}
	if err := l.Check(ctx, old); !errors.Is(err, cluster.ErrStaleToken) {
		t.Fatalf("the dead holder's token: %v; want ErrStaleToken", err)
	}
	if err := l.Check(ctx, tok); err != nil {
		t.Fatalf("the holder's token: %v", err)
	}
	// Renewals keep the token.
	select {
	case <-l.Lost():
		t.Fatal("the lock was lost while held")
	case <-time.After(2500 * time.Millisecond): // more than a TTL: the renewals must carry it
	}
	if err := l.Check(ctx, tok); err != nil {
		t.Fatalf("the token after renewals: %v", err)
	}
	if err := l.Unlock(ctx); err != nil {
		t.Fatal(err)
	}
	if err := l.Check(ctx, tok); !errors.Is(err, cluster.ErrStaleToken) {
		t.Fatalf("a token after Unlock: %v", err)
	}
	if ok, err := l.TryLock(ctx); !ok || err != nil {
		t.Fatalf("TryLock of a free lock: %v, %v", ok, err)
	}
	if l.Token() <= tok {
		t.Fatalf("a new hold's token %d is not above %d", l.Token(), tok)
	}
	if err := l.Unlock(ctx); err != nil {
		t.Fatal(err)
	}
}
