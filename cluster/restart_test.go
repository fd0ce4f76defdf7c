package cluster_test

import (
	"slices"
	"testing"
	"time"

	"mproc"
	"mproc/cluster"
	"mproc/internal/testmain"
)

// The NATS server restarted in the middle of a Map (same port, same
// store): the client and the workers reconnect, and nothing is lost.
func TestServerRestartMidMap(t *testing.T) {
	testmain.NoChildLeft(t)
	ctx := ctxTimeout(t, 120*time.Second)
	s := startNATS(t)
	c := connect(t, ctx, s.url())
	p := newPool(t, ctx, c, "restart", cluster.WithAckWait(3*time.Second), cluster.WithWorkers(4))
	testmain.StartChild(t, ctx, ServeProc, serveArg{URL: s.url(), Pool: "restart", Workers: 2})
	testmain.StartChild(t, ctx, ServeProc, serveArg{URL: s.url(), Pool: "restart", Workers: 2})

	const n = 120
	xs := make([]time.Duration, n)
	want := make([]int, n)
	for i := range xs {
		xs[i] = time.Duration(5+i%10) * time.Millisecond
		want[i] = 5 + i%10
	}
	progressed := make(chan struct{})
	var closed bool
	fut := Sleep.MapAsync(ctx, p, xs, mproc.WithChunk(1), mproc.WithProgress(func(done, total int) {
		if done >= 20 && !closed { // calls are serialized
			closed = true
			close(progressed)
		}
	}))
	select {
	case <-progressed:
	case <-ctx.Done():
		t.Fatal("the Map made no progress")
	}
	s.stop()
	if _, _, ok := fut.Result(); ok {
		t.Fatal("the Map was done before the server went down: nothing tested")
	}
	s.start()
	restarted := time.Now()
	got, err := fut.Get(ctx)
	t.Logf("the Map finished %v after the server came back", time.Since(restarted))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("Map gave %v", got)
	}
	// And the pool goes on.
	if r, err := Square.Apply(ctx, p, 12); err != nil || r != 144 {
		t.Fatalf("after the restart: %d, %v", r, err)
	}
}
