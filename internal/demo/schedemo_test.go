package demo

import (
	"regexp"
	"strings"
	"testing"
)

func TestSched(t *testing.T) {
	out := run(t, "sched")
	// Each policy's chart: its boxes in order, and its jobs' waits; the
	// SJF and SRTF averages are Silberschatz et al.'s (§5.3.2).
	for _, c := range []struct{ head, boxes, waits string }{
		{"fcfs (", "P1 P2 P3 P4", "P1 0, P2 7, P3 10, P4 18  (average 8.75)"},
		{"sjf (", "P1 P2 P4 P3", "(average 7.75)"},
		{"srtf (", "P1 P2 P4 P1 P3", "P1 9, P2 0, P3 15, P4 2  (average 6.50)"},
		{"priority (", "P1 P3 P4 P2", "P1 0, P2 21, P3 6, P4 14"},
		{"priority-preemptive (", "P1 P3 P4 P1 P2", "P3 0"},
		{"rr (round robin, quantum 4)", "P1 P2 P3 P4 P1 P3 P4 P3", "(average 11.75)"},
		{"mlfq (multi-level feedback queue, quanta 2,4,8)", "P1 P2 P3 P4 P1 P2 P3 P4 P1 P3", ""},
	} {
		i := strings.Index(out, "\n"+c.head)
		if i < 0 {
			t.Errorf("no chart for %s", c.head)
			continue
		}
		lines := strings.Split(out[i+1:], "\n")
		if len(lines) < 6 {
			t.Fatalf("chart of %s cut short", c.head)
		}
		if got := strings.Join(regexp.MustCompile(`P\d`).FindAllString(lines[2], -1), " "); got != c.boxes {
			t.Errorf("%s: boxes %q, want %q", c.head, got, c.boxes)
		}
		if !strings.HasSuffix(strings.TrimSpace(lines[4]), "26") || !strings.Contains(lines[5], c.waits) {
			t.Errorf("%s: axis %q, waits %q, want the end at 26 and %q", c.head, lines[4], lines[5], c.waits)
		}
	}
	for _, re := range []string{
		`srtf \(shortest remaining time first\)\s+6\.50\*\s+13\.00\*\s+4\.25\n`,
		`mlfq \(multi-level feedback queue, quanta 2,4,8\)\s+13\.00\s+19\.50\s+1\.50\*\n`,
	} {
		if !regexp.MustCompile(re).MatchString(out) {
			t.Errorf("the table of averages does not match %s", re)
		}
	}
	// The real run: the same boxes in the same order as the simulation
	// (idle gaps aside), with its figures reported.
	_, real, ok := strings.Cut(out, "measured on CPU ")
	if !ok {
		t.Fatalf("no measured chart:\n%s", out)
	}
	lines := strings.Split(real, "\n")
	if got := strings.Join(regexp.MustCompile(`P\d`).FindAllString(lines[2], -1), " "); got != "P1 P2 P3 P4 P1 P3 P4 P3" {
		t.Errorf("measured boxes %q, want round robin's", got)
	}
	if !regexp.MustCompile(`average waiting: simulated 11\.75, measured \d+\.\d\d units; finish times off by \d+\.\d\d at most`).MatchString(out) ||
		!strings.Contains(out, "4 preemptions; each job got its CPU time within") {
		t.Errorf("the real run's figures are missing")
	}
}
