package mproc_test

import (
	"context"
	"testing"
	"time"

	"mproc"
)

type qArgs struct {
	Q *mproc.Queue[int]
	L *mproc.Lock
	N int
}

var (
	qProducer = mproc.Register[qArgs, mproc.None]("qsmoke.producer", func(ctx context.Context, a qArgs) error {
		for i := range a.N {
			if err := a.Q.Put(ctx, i); err != nil {
				return err
			}
		}
		return nil
	})
	qLockSender = mproc.Register[*mproc.Queue[*mproc.Lock], mproc.None]("qsmoke.locksender", func(ctx context.Context, q *mproc.Queue[*mproc.Lock]) error {
		l, err := mproc.NewLock()
		if err != nil {
			return err
		}
		l.Lock()
		return q.Put(ctx, l)
	})
)

func TestSmokeQueue(t *testing.T) {
	ctx := ctxTimeout(t, 30*time.Second)
	q, err := mproc.NewQueue[int](0)
	if err != nil {
		t.Fatal(err)
	}
	const n = 200000
	start := time.Now()
	p, err := qProducer.Start(ctx, qArgs{Q: q, N: n})
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		v, err := q.Get(ctx)
		if err != nil || v != i {
			t.Fatalf("item %d: %d %v", i, v, err)
		}
	}
	t.Logf("%.0f msgs/s", n/time.Since(start).Seconds())
	if _, err := p.Wait(ctx); err != nil {
		t.Fatal(err)
	}

	lq, _ := mproc.NewQueue[*mproc.Lock](0)
	if _, err := qLockSender.Call(ctx, lq); err != nil {
		t.Fatal(err)
	}
	l, err := lq.Get(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !l.Locked() || l.TryLock() == false {
		t.Fatalf("lock through the queue: %v", l)
	}
}
