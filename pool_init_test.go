package mproc_test

import (
	"testing"
	"time"

	"mproc"
)

// initShared is what an initializer gives its worker: shared objects the
// worker's tasks then use (CPython's initializer storing its initargs in
// globals).
type initShared struct {
	Count *mproc.Value[int64]
	Lock  *mproc.Lock
}

var workerShared initShared

var (
	piKeep = mproc.Register[initShared, mproc.None]("test.pool.init.shared", func(s initShared) {
		workerShared = s
	})
	// piCount adds one to the shared count under the shared lock, and
	// returns the count it saw.
	piCount = mproc.Register[int, int64]("test.pool.init.count", func(int) int64 {
		workerShared.Lock.Lock()
		defer workerShared.Lock.Unlock()
		return workerShared.Count.Add(1)
	})
)

// Shared objects given to the initializer reach every worker, whole: a
// worker started later (after a recycle) gets them too.
func TestPoolInitializerTakesSharedObjects(t *testing.T) {
	t.Parallel()
	ctx := ctxTimeout(t, 60*time.Second)
	count, err := mproc.NewValue[int64](0)
	if err != nil {
		t.Fatal(err)
	}
	defer count.Close()
	lock := newLock(t)
	p := ptPool(t, ctx, mproc.WithWorkers(2), mproc.WithMaxTasksPerChild(5),
		mproc.WithInitializer(piKeep, initShared{Count: count, Lock: lock}))
	const n = 40
	seen, err := piCount.Map(ctx, p, make([]int, n), mproc.WithChunk(1))
	if err != nil {
		t.Fatal(err)
	}
	if got := count.Load(); got != n {
		t.Fatalf("count %d after %d tasks, want %d", got, n, n)
	}
	distinct := map[int64]bool{}
	for _, s := range seen {
		distinct[s] = true
	}
	if len(distinct) != n {
		t.Fatalf("%d distinct counts seen in %d tasks: the lock did not hold", len(distinct), n)
	}
}
