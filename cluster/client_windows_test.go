package cluster_test

import (
	"errors"
	"os"
	"testing"
	"time"

	"mproc/cluster"
)

// wineVersion: see wine_test.go, the other side.
const wineVersion = "wine-test"

// TestWindowsClient is the Windows side of TestWindowsSubmitter: it
// submits to the pool a Linux worker serves, and checks that a worker
// can't be served here.
func TestWindowsClient(t *testing.T) {
	url := os.Getenv("MPROC_WINE_NATS")
	if url == "" {
		t.Skip("run by TestWindowsSubmitter on Linux, which serves the pool and sets MPROC_WINE_NATS")
	}
	ctx := ctxTimeout(t, 3*time.Minute)
	c := connect(t, ctx, url)
	p := newPool(t, ctx, c, "wine", cluster.WithVersion(wineVersion))
	if got, err := Square.Submit(ctx, p, 7).Get(ctx); err != nil || got != 49 {
		t.Fatalf("Square(7) on the Linux worker: %d, %v; want 49", got, err)
	}
	if got, err := Square.Map(ctx, p, []int{1, 2, 3}); err != nil || len(got) != 3 || got[2] != 9 {
		t.Fatalf("Map on the Linux worker: %v, %v", got, err)
	}
	// Serving needs local worker processes.
	err := cluster.Serve(ctx, c, cluster.WithPool("wine-nowhere"), cluster.WithVersion(wineVersion))
	if !errors.Is(err, errors.ErrUnsupported) {
		t.Fatalf("Serve on Windows: %v; want errors.ErrUnsupported", err)
	}
	t.Logf("Serve on Windows: %v", err)
}
