package bench

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestSpawnNet builds the spawnnet program both ways and checks the rows
// and the linkage it reports; the builds need the go tool (and a C
// compiler for the cgo one), which CI has.
func TestSpawnNet(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var progress bytes.Buffer
	ctx = context.WithValue(ctx, logKey{}, &progress)
	res, err := runSpawnNet(ctx, 0.01)
	if err != nil {
		t.Fatalf("%v\n%s", err, progress.String())
	}
	if _, err := exec.LookPath("cc"); err != nil && len(res) == 3 {
		t.Skipf("no C compiler for the cgo build: %s", progress.String())
	}
	want := []string{"process_start_join_net_dynamic", "process_start_join_net_static", "child_rss_net_dynamic", "child_rss_net_static", "exec_wait_net_dynamic", "exec_wait_net_static"}
	if len(res) != len(want) {
		t.Fatalf("results %+v\n%s", res, progress.String())
	}
	for i, r := range res {
		if r.Name != want[i] {
			t.Errorf("row %d is %s; want %s", i, r.Name, want[i])
		}
		if strings.HasPrefix(r.Name, "child_rss") {
			// A Go child maps at least its runtime: more than a MiB, and
			// a small program's child far less than a GiB.
			if r.Unit != "KiB" || r.Value < 1024 || r.Value > 1<<20 {
				t.Errorf("%+v: not a plausible RSS", r)
			}
			continue
		}
		if !(r.Value > 0) || r.N != N(200, 0.01) {
			t.Errorf("%+v", r)
		}
	}
	for _, want := range []string{"(dynamically): median", "(statically): median", "dynamic linking costs each cold start", "is linked", "for an exec and wait of the same binary"} {
		if !strings.Contains(progress.String(), want) {
			t.Errorf("progress lacks %q:\n%s", want, progress.String())
		}
	}
	waitNoChildren(t)
}

func TestIsDynamic(t *testing.T) {
	if _, err := isDynamic("/nonexistent"); err == nil {
		t.Error("no error for a missing file")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	// The test binary imports net (the servers groups): with cgo it is
	// dynamic, without it static; either way isDynamic must read it.
	if _, err := isDynamic(exe); err != nil {
		t.Fatal(err)
	}
}
