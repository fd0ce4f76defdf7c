package mproc_test

import (
	"context"
	"testing"
	"time"

	"mproc"
)

var (
	echoBytes = mproc.Register[[]byte, []byte]("test.echobytes", func(b []byte) []byte { return b })
	nilAny    = mproc.Register[mproc.None, any]("test.nilany", func() (any, error) { return nil, nil })
	nilError  = mproc.Register[mproc.None, error]("test.nilerror", func() (error, error) { return nil, nil })
)

// sameNilness fails t unless got is nil exactly when want is, with the same
// length.
func sameNilness(t *testing.T, how string, want, got []byte) {
	t.Helper()
	if (got == nil) != (want == nil) || len(got) != len(want) {
		t.Errorf("%s: sent %#v, got %#v", how, want, got)
	}
}

// An empty []byte crosses every boundary as an empty slice and nil as nil:
// a child's argument and result, a pool task, a queue, a pipe.
func TestEmptyBytesStayEmpty(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	pool := ptPool(t, ctx, mproc.WithWorkers(1))
	q, err := mproc.NewQueue[[]byte](0)
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	a, b, err := mproc.Pipe(true)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	defer b.Close()
	for _, v := range [][]byte{{}, nil, {0xFF}} {
		got, err := echoBytes.Call(ctx, v)
		if err != nil {
			t.Fatal(err)
		}
		sameNilness(t, "child argument and result", v, got)
		if got, err = echoBytes.Apply(ctx, pool, v); err != nil {
			t.Fatal(err)
		}
		sameNilness(t, "pool task", v, got)
		if err := q.Put(ctx, v); err != nil {
			t.Fatal(err)
		}
		if got, err = q.Get(ctx); err != nil {
			t.Fatal(err)
		}
		sameNilness(t, "queue", v, got)
		if err := a.Send(ctx, v); err != nil {
			t.Fatal(err)
		}
		got = []byte("stale")
		if err := b.Recv(ctx, &got); err != nil {
			t.Fatal(err)
		}
		sameNilness(t, "pipe Send/Recv", v, got)
	}
	if err := a.SendBytes(ctx, []byte{}); err != nil {
		t.Fatal(err)
	}
	got, err := b.RecvBytes(ctx)
	if err != nil {
		t.Fatal(err)
	}
	sameNilness(t, "pipe SendBytes/RecvBytes", []byte{}, got)
}

// A child whose result type is an interface and which returns nil gives a
// nil result, not a panic in Wait.
func TestWaitNilInterfaceResult(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	pa, err := nilAny.Start(ctx, mproc.None{})
	if err != nil {
		t.Fatal(err)
	}
	if v, err := pa.Wait(ctx); err != nil || v != nil {
		t.Fatalf("Wait of a nil any: %#v, %v", v, err)
	}
	pe, err := nilError.Start(ctx, mproc.None{})
	if err != nil {
		t.Fatal(err)
	}
	if v, err := pe.Wait(ctx); err != nil || v != nil {
		t.Fatalf("Wait of a nil error: %#v, %v", v, err)
	}
}
