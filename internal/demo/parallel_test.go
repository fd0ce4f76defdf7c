package demo

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestParallel checks what holds on any machine, busy or not: a run on one
// core never has more than one core at once (its CPU time is at most its
// wall time), and every run does N jobs' worth of CPU work. How much faster
// the parallel runs are depends on what else the machine runs.
func TestParallel(t *testing.T) {
	out := run(t, "parallel")
	rows := 0
	for _, line := range strings.Split(out, "\n") {
		var n int
		if _, err := fmt.Sscanf(line, "%d  wall", &n); err != nil {
			continue
		}
		rows++
		cells, ok := parallelCells(line)
		if !ok {
			t.Fatalf("row %q does not parse", line)
		}
		for i, c := range cells {
			want := time.Duration(n) * parallelUnit
			if c.cpu < want/3 || c.cpu > 3*want {
				t.Errorf("N=%d, column %d: %v of CPU time for %v of work", n, i+1, c.cpu, want)
			}
		}
		if one := cells[1]; one.ratio > 1.3 || one.wall < one.cpu*3/4 {
			t.Errorf("N=%d: on one core, %v of CPU time in %v (×%.1f): more than one core at once", n, one.cpu, one.wall, one.ratio)
		}
	}
	if rows != 3 {
		t.Errorf("%d rows, want 3 (N = 2, 3, 4)", rows)
	}
	mustContain(t, out, "cores at")
}

type parallelCell struct {
	wall, cpu time.Duration
	ratio     float64
}

// parallelCells parses a row's three cells: "wall 51ms cpu 102ms ×2.0".
func parallelCells(line string) (cells [3]parallelCell, ok bool) {
	f := strings.Fields(line)
	if len(f) != 1+3*5 {
		return cells, false
	}
	for i := range cells {
		c := f[1+5*i:]
		w, err1 := time.ParseDuration(c[1])
		cpu, err2 := time.ParseDuration(c[3])
		_, err3 := fmt.Sscanf(c[4], "×%g", &cells[i].ratio)
		if err1 != nil || err2 != nil || err3 != nil || c[0] != "wall" || c[2] != "cpu" {
			return cells, false
		}
		cells[i].wall, cells[i].cpu = w, cpu
	}
	return cells, true
}
