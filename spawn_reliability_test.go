package mproc_test

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"

	_ "mproc"
)

// burnCPU keeps n goroutines of this process busy until ctx ends: the
// loaded machine under which children start slowly.
func burnCPU(ctx context.Context, n int) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			for ctx.Err() == nil {
				for range 1 << 16 {
				}
			}
		})
	}
	return func() { cancel(); wg.Wait() }
}

// Two hundred children started at once on a loaded machine all start: a
// slow start is not a missing mproc.Main.
func TestConcurrentStartsUnderLoad(t *testing.T) {
	// Not parallel: it loads the machine on purpose.
	ctx := ctxTimeout(t, 4*time.Minute)
	stop := burnCPU(ctx, 2*runtime.NumCPU())
	defer stop()
	const n = 200
	errs := make(chan error, n)
	for i := range n {
		go func() { errs <- startAndCheck(ctx, i) }()
	}
	failed := 0
	for range n {
		if err := <-errs; err != nil {
			if failed++; failed <= 3 {
				t.Error(err)
			}
		}
	}
	if failed > 0 {
		t.Fatalf("%d of %d starts failed", failed, n)
	}
}

func startAndCheck(ctx context.Context, i int) error {
	p, err := echoInt.Start(ctx, i)
	if err != nil {
		return err
	}
	got, err := p.Wait(ctx)
	if err == nil && got != i {
		return fmt.Errorf("child %d returned %d", i, got)
	}
	return err
}
