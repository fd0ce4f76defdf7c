package mproc_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"mproc"
)

type lockAndCounter struct {
	L *mproc.Lock
	V *mproc.Value[int64]
	N int
}

var (
	incrementUnderLock = mproc.Register[lockAndCounter, mproc.None]("smoke.incr", func(a lockAndCounter) {
		for range a.N {
			a.L.Lock()
			*a.V.Pointer() = *a.V.Pointer() + 1
			a.L.Unlock()
		}
	})
	holdForever = mproc.Register[*mproc.Lock, mproc.None]("smoke.hold", func(ctx context.Context, l *mproc.Lock) {
		l.Lock()
		<-ctx.Done()
	})
)

func TestSmokeLockAcrossProcesses(t *testing.T) {
	ctx := ctxTimeout(t, 30*time.Second)
	l, err := mproc.NewLock()
	if err != nil {
		t.Fatal(err)
	}
	v, _ := mproc.NewValue[int64](0)
	var ps []*mproc.Proc[mproc.None]
	for range 4 {
		p, err := incrementUnderLock.Start(ctx, lockAndCounter{L: l, V: v, N: 20000})
		if err != nil {
			t.Fatal(err)
		}
		ps = append(ps, p)
	}
	for _, p := range ps {
		if _, err := p.Wait(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if got := v.Load(); got != 80000 {
		t.Fatalf("counter = %d", got)
	}

	p, err := holdForever.Start(ctx, l)
	if err != nil {
		t.Fatal(err)
	}
	for !l.Locked() {
		time.Sleep(time.Millisecond)
	}
	p.Kill()
	start := time.Now()
	err = l.LockContext(ctx)
	t.Logf("took the dead holder's lock after %v: %v", time.Since(start), err)
	if !errors.Is(err, mproc.ErrOwnerDead) {
		t.Fatal(err)
	}
	l.Unlock()
}
