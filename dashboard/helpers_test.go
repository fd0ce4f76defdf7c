package dashboard_test

import (
	"context"
	"os"
	"sync"
	"testing"
	"time"

	"mproc"
	"mproc/internal/testmain"
)

// work is a task of the tests' pools: it works for Ms milliseconds, or
// ends its worker (Exit), a crash the pool survives.
type work struct {
	Ms   int
	Exit bool
}

var doWork = mproc.Register[work, int]("test.dashboard.work", func(ctx context.Context, w work) (int, error) {
	if w.Exit {
		os.Exit(3)
	}
	select {
	case <-time.After(time.Duration(w.Ms) * time.Millisecond):
		return w.Ms, nil
	case <-ctx.Done():
		return 0, ctx.Err()
	}
})

// busyPool starts a pool of n workers kept busy with tasks of 1-20 ms (one
// of them a crash) until the test ends; results go to a queue, drained
// more slowly than they come.
func busyPool(t *testing.T, n int) (*mproc.Pool, *mproc.Queue[int]) {
	t.Helper()
	testmain.NoChildLeft(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	p, err := mproc.NewPool(ctx, mproc.WithWorkers(n))
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	q, err := mproc.NewQueue[int](0)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		slots := make(chan struct{}, 2*n)
		for i := 0; ctx.Err() == nil; i++ {
			select {
			case slots <- struct{}{}:
			case <-ctx.Done():
				return
			}
			f := doWork.Submit(ctx, p, work{Ms: 1 + i%20, Exit: i == 30})
			f.OnDone(func(f *mproc.Future[int]) {
				<-slots
				if v, err, _ := f.Result(); err == nil && i%3 == 0 {
					q.TryPut(v)
				}
			})
		}
	}()
	t.Cleanup(func() {
		cancel()
		wg.Wait()
		p.Terminate()
		jctx, jcancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer jcancel()
		if err := p.Join(jctx); err != nil {
			t.Error(err)
		}
		q.Close()
	})
	return p, q
}
