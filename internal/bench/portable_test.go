package bench

import (
	"bytes"
	"context"
	"math"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestPortableGroup runs the portable group through Run, the path `mproc
// bench --json portable` takes: it builds the mproc command with and
// without mproc_portable, runs both at a tiny scale, and must print every
// row for both sides, each portable_ row held against its linux_ row.
func TestPortableGroup(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the portable group compares with Linux's mechanisms")
	}
	if _, err := exec.LookPath("go"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	t.Setenv(EnvScale, "0.01")
	// Two builds of the command (a minute or more on a cold cache and a
	// loaded machine), then 2 × 3 rounds of five groups at 1%.
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	var out, progress bytes.Buffer
	if err := Run(ctx, Config{Groups: []string{PortableGroup}, JSON: true, Stdout: &out, Stderr: &progress}); err != nil {
		t.Fatalf("Run: %v\nprogress:\n%s", err, progress.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 2*len(portableRows) {
		t.Fatalf("%d lines, want %d:\n%s\nprogress:\n%s", len(lines), 2*len(portableRows), out.String(), progress.String())
	}
	byName := map[string]Result{}
	for i, line := range lines {
		r, err := ParseLine(line)
		if err != nil {
			t.Fatalf("line %q: %v", line, err)
		}
		if again := r.JSONLine(); again != line {
			t.Errorf("line %q does not print back the same: %q", line, again)
		}
		p := portableRows[i/2]
		want := []string{linuxPrefix, portablePrefix}[i%2] + p.name
		if r.Name != want || r.Unit != p.unit {
			t.Errorf("line %d is %s (%s), want %s (%s)", i, r.Name, r.Unit, want, p.unit)
		}
		if !(r.Value > 0) || math.IsInf(r.Value, 0) || r.N < 1 {
			t.Errorf("%s = %v (n=%d), want a positive number", r.Name, r.Value, r.N)
		}
		if want, ok := wantN[p.name]; ok && r.N != want {
			t.Errorf("%s: n = %d, want %d, as %s's", r.Name, r.N, want, p.name)
		}
		byName[r.Name] = r
	}
	for _, p := range portableRows {
		l, q := byName[linuxPrefix+p.name], byName[portablePrefix+p.name]
		if l.Limit != "" {
			t.Errorf("%s is held against %s", l.Name, l.Limit)
		}
		higher, _ := HigherIsBetter(p.unit)
		want := l.Value / q.Value // 1.0: as fast as Linux
		if higher {
			want = q.Value / l.Value
		}
		// Both sides were rounded to 3 decimals in the children's lines.
		if q.Limit != l.Name || math.Abs(q.LimitFraction-want) > 0.01*want+0.002 {
			t.Errorf("%s: limit %q, fraction %v; want %q, %v", q.Name, q.Limit, q.LimitFraction, l.Name, want)
		}
	}
	// Every group ran in both binaries in each round.
	for _, g := range portableGroups() {
		for _, side := range []string{linuxPrefix, portablePrefix} {
			row := portableRows[slices.IndexFunc(portableRows, func(p struct{ group, name, unit string }) bool { return p.group == g })]
			for round := range portableRounds {
				if want := "round " + strconv.Itoa(round+1) + ", " + side + row.name + " = "; !strings.Contains(progress.String(), want) {
					t.Errorf("progress lacks %q:\n%s", want, progress.String())
				}
			}
		}
	}
	waitNoChildren(t)
}

// The rows the group compares are rows their groups report.
func TestPortableRowsExist(t *testing.T) {
	for _, p := range portableRows {
		gs, err := Select([]string{p.group})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.ContainsFunc(gs[0].Metrics, func(m Metric) bool { return m.Name == p.name && m.Unit == p.unit }) {
			t.Errorf("group %s reports no %s in %s", p.group, p.name, p.unit)
		}
	}
}

// Without the go tool the group says why it measures nothing, and reports
// no row (its rows are optional).
func TestPortableGroupWithoutGoTool(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("off Linux the group skips before it looks for the go tool")
	}
	t.Setenv("PATH", t.TempDir())
	var progress bytes.Buffer
	ctx := context.WithValue(context.Background(), logKey{}, &progress)
	res, err := runPortable(ctx, 0.01)
	if err != nil || len(res) != 0 {
		t.Fatalf("runPortable = %v, %v; want nothing", res, err)
	}
	if !strings.Contains(progress.String(), "portable skipped: no go tool") {
		t.Errorf("progress does not say why:\n%s", progress.String())
	}
}

// The best of the rounds is the fastest run: the highest rate, the
// lowest time; other groups' rows are not kept.
func TestPortableKeepBest(t *testing.T) {
	best := map[string]Result{}
	for _, r := range []Result{
		{Name: "pipe_roundtrip_latency", Unit: "us/op", Value: 30},
		{Name: "pipe_roundtrip_latency", Unit: "us/op", Value: 20},
		{Name: "pipe_roundtrip_latency", Unit: "us/op", Value: 25},
		{Name: "queue_spsc_small_msgs", Unit: "msgs/s", Value: 5e6},
		{Name: "queue_spsc_small_msgs", Unit: "msgs/s", Value: 7e6},
		{Name: "queue_spsc_small_msgs", Unit: "msgs/s", Value: 6e6},
		{Name: "child_rss", Unit: "KiB", Value: 1},
	} {
		keepBest(best, portablePrefix, r)
	}
	if len(best) != 2 || best["portable_pipe_roundtrip_latency"].Value != 20 || best["portable_queue_spsc_small_msgs"].Value != 7e6 {
		t.Fatalf("best = %v", best)
	}
	if _, err := portableResults(best); err == nil || !strings.Contains(err.Error(), "both sides") {
		t.Errorf("rows missing a side: %v", err)
	}
}
