package bench

import (
	"bytes"
	"context"
	"math"
	"os"
	"strings"
	"testing"
	"time"

	"mproc"
	"mproc/internal/natsproc"
	"mproc/internal/spawn"
)

func TestMain(m *testing.M) {
	mproc.Main()
	os.Exit(m.Run())
}

// wantN is the n each result reports at BENCH_SCALE=0.01, as python_ref.py
// would: n_(300) = 3 for the spawn group, 1 for child_rss, n_(1_000_000) for
// the uncontended lock, 2*n_(100_000) increments for the contended one and
// n_(20_000) event round trips; n_(200_000) small and n_(2_000) large
// queue items, (n_(100_000)/2)*2 items through the MPMC queue, n_(50_000)-1
// timed pipe round trips and n_(100_000) joinable queue items.
var wantN = map[string]int{
	"process_start_join":               3,
	"process_start_join_cold":          3,
	"child_rss":                        1,
	"lock_uncontended_acquire_release": 10_000,
	"lock_contended_2proc_increments":  2_000,
	"event_pingpong_roundtrip":         200,
	"queue_spsc_small_msgs":            2_000,
	"queue_spsc_1MiB_msgs":             20,
	"queue_mpmc_2x2_small_msgs":        1_000,
	"pipe_roundtrip_latency":           499,
	"joinable_queue_put_taskdone_join": 1_000,
}

// TestGroups runs every registered group at a tiny scale through Run, the
// path `mproc bench --json` takes, and checks what it prints.
func TestGroups(t *testing.T) {
	t.Setenv(EnvScale, "0.01")
	groups := Groups()
	for _, name := range []string{"spawn", "queue_small", "queue_large", "queue_mpmc", "pipe", "lock", "lock_contended", "joinable", "event", "rss"} {
		if _, err := Select([]string{name}); err != nil {
			t.Errorf("group %s is not registered: %v", name, err)
		}
	}
	for _, g := range groups {
		if g.OnlyByName {
			continue // its own test runs it (TestPortableGroup)
		}
		t.Run(g.Name, func(t *testing.T) {
			if g.Name == "cluster" {
				findNATSServer(t)
			}
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			var out, progress bytes.Buffer
			if err := Run(ctx, Config{Groups: []string{g.Name}, JSON: true, Stdout: &out, Stderr: &progress}); err != nil {
				t.Fatalf("Run: %v\nprogress:\n%s", err, progress.String())
			}
			if !strings.Contains(progress.String(), "bench: running "+g.Name) {
				t.Errorf("progress does not name the group:\n%s", progress.String())
			}
			lines := strings.Split(strings.TrimSpace(out.String()), "\n")
			var got []Result
			for _, line := range lines {
				r, err := ParseLine(line)
				if err != nil {
					t.Fatalf("line %q: %v", line, err)
				}
				got = append(got, r)
			}
			// Every metric, in order; only optional ones (CPython's
			// servers, without --python here) may be missing.
			if err := checkResults(g, got); err != nil {
				t.Fatalf("%v:\n%s", err, out.String())
			}
			for i, line := range lines {
				r := got[i]
				// At this scale a run lasts some 15 ms, less than a
				// child's start under -race: a server of processes
				// facing 1,000 clients may answer none of them in it,
				// and on a loaded machine neither may the bare Go one
				// (TestServersGroups checks that it answers).
				if strings.HasPrefix(r.Name, "echo1000_") && r.Value == 0 {
					continue
				}
				// A fraction of the limit may round to 0 at three
				// decimals: a process per idle connection costs
				// thousands of times a goroutine's memory.
				if strings.HasSuffix(r.Name, "_of_limit") && r.Value == 0 {
					continue
				}
				if !(r.Value > 0) || math.IsInf(r.Value, 0) {
					t.Errorf("%s = %v, want a positive number", r.Name, r.Value)
				}
				if want, ok := wantN[r.Name]; ok && r.N != want {
					t.Errorf("%s: n = %d, want %d", r.Name, r.N, want)
				} else if r.N < 1 {
					t.Errorf("%s: n = %d, want at least 1", r.Name, r.N)
				}
				if again := r.JSONLine(); again != line {
					t.Errorf("line %q does not print back the same: %q", line, again)
				}
			}
			waitNoChildren(t)
		})
	}
}

// waitNoChildren checks that a group leaves no process behind: no active
// child, and no child of this process at all once the spares have exited.
func waitNoChildren(t *testing.T) {
	t.Helper()
	if n := len(mproc.ActiveChildren()); n > 0 {
		t.Errorf("%d active children left", n)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		pids := spawn.Children()
		if len(pids) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Errorf("children still there (spares not ended, or zombies): %v", pids)
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestRSSProbe(t *testing.T) {
	kb, err := vmRSS()
	if err != nil || kb <= 0 {
		t.Fatalf("vmRSS() = %d, %v; want a positive size", kb, err)
	}
}

// findNATSServer finds the nats-server the cluster group starts before its
// minute starts: on a fresh machine the go tool builds it first, which can
// take longer.
func findNATSServer(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	if _, err := natsproc.Locate(ctx); err != nil {
		t.Fatal(err)
	}
}
