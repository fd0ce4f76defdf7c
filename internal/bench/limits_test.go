package bench

import (
	"bytes"
	"context"
	"math"
	"strings"
	"testing"
	"time"
)

func TestHoldAgainst(t *testing.T) {
	t.Parallel()
	limits := map[string]Result{
		"limit_exec_wait":     {Name: "limit_exec_wait", Unit: "us/op", Value: 800},
		"limit_ring_8b":       {Name: "limit_ring_8b", Unit: "msgs/s", Value: 1e7},
		"limit_spin_pingpong": {Name: "limit_spin_pingpong", Unit: "us/op", Value: 4},
		"limit_memcpy":        {Name: "limit_memcpy", Unit: "MB/s", Value: 10000},
	}
	for _, c := range []struct {
		r         Result
		limit     string
		want      float64
		wantLimit bool
	}{
		{Result{Name: "process_start_join_cold", Unit: "us/op", Value: 1000}, "limit_exec_wait", 0.8, true},          // a cost: limit/value
		{Result{Name: "queue_spsc_small_msgs", Unit: "msgs/s", Value: 5e6}, "limit_ring_8b", 0.5, true},              // a rate: value/limit
		{Result{Name: "queue_spsc_1MiB_msgs", Unit: "MB/s", Value: 2500}, "limit_memcpy", 0.5, true},                 // two copies: half of memcpy
		{Result{Name: "manager_dict_set_get_2proc", Unit: "ops/s", Value: 125000}, "limit_spin_pingpong", 0.5, true}, // 10^6/4 µs = 250k/s
		{Result{Name: "child_rss", Unit: "KiB", Value: 9000}, "", 0, false},                                          // its limit was not measured
		{Result{Name: "lock_uncontended_acquire_release", Unit: "ns/op", Value: 20}, "", 0, false},                   // no limit bounds it
		{Result{Name: "process_start_join_cold", Unit: "us/op", Value: 0}, "", 0, false},                             // no value
	} {
		got := holdAgainst(c.r, limits)
		if got.Limit != c.limit || math.Abs(got.LimitFraction-c.want) > 1e-9 {
			t.Errorf("%s = %v %s: limit %q fraction %v, want %q %v", c.r.Name, c.r.Value, c.r.Unit, got.Limit, got.LimitFraction, c.limit, c.want)
		}
		if (got.Limit != "") != c.wantLimit {
			t.Errorf("%s: limit %q", c.r.Name, got.Limit)
		}
	}
}

func TestLimitLineRoundTrip(t *testing.T) {
	t.Parallel()
	r := Result{Name: "child_rss", Unit: "KiB", Value: 12000, N: 1, Limit: "limit_child_rss", LimitFraction: 0.18}
	line := r.JSONLine()
	if !strings.HasSuffix(line, `"n": 1, "limit": "limit_child_rss", "limit_fraction": 0.18}`) {
		t.Errorf("JSONLine = %s", line)
	}
	back, err := ParseLine(line)
	if err != nil || back != r {
		t.Errorf("ParseLine(%s) = %+v, %v", line, back, err)
	}
	plain := Result{Name: "x", Unit: "KiB", Value: 1, N: 1}
	if strings.Contains(plain.JSONLine(), "limit") {
		t.Errorf("a row without a limit prints one: %s", plain.JSONLine())
	}
}

// TestRunLimits runs `mproc bench --limits --json rss`: the limits come
// first, with real probe processes, and the rss row is held against the
// minimal child's RSS measured in the same run.
func TestRunLimits(t *testing.T) {
	t.Setenv(EnvScale, "0.01")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var out, progress bytes.Buffer
	if err := Run(ctx, Config{Groups: []string{"rss"}, Limits: true, JSON: true, Stdout: &out, Stderr: &progress}); err != nil {
		t.Fatalf("Run: %v\n%s", err, progress.String())
	}
	got := map[string]Result{}
	var order []string
	for line := range strings.Lines(strings.TrimSpace(out.String())) {
		r, err := ParseLine(line)
		if err != nil {
			t.Fatalf("line %q: %v", line, err)
		}
		got[r.Name] = r
		order = append(order, r.Name)
	}
	if len(order) == 0 || order[len(order)-1] != "child_rss" || !strings.HasPrefix(order[0], "limit_") {
		t.Fatalf("rows in the order %v, want the limits first", order)
	}
	lim, ok := got["limit_child_rss"]
	if !ok {
		t.Skipf("no minimal child to measure (no go tool?):\n%s", progress.String())
	}
	rss := got["child_rss"]
	if rss.Limit != "limit_child_rss" || math.Abs(rss.LimitFraction-Round3(lim.Value/rss.Value)) > 0.002 {
		t.Errorf("child_rss %v held against %q at %v; the limit is %v", rss.Value, rss.Limit, rss.LimitFraction, lim.Value)
	}
	// A Go child that does nothing is smaller than one that runs mproc,
	// and a round trip through the kernel's futex is slower than spinning.
	if lim.Value >= rss.Value {
		t.Errorf("minimal child %v KiB, mproc's %v KiB", lim.Value, rss.Value)
	}
	if f, s := got["limit_futex_pingpong"], got["limit_spin_pingpong"]; !(f.Value > 0 && s.Value > 0) {
		t.Errorf("ping-pongs: futex %v, spin %v", f.Value, s.Value)
	}
	waitNoChildren(t)
}
