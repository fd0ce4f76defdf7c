package demo

import (
	"fmt"
	"strings"
	"testing"
)

func TestManagerDemo(t *testing.T) {
	out := run(t, "manager")
	mustContain(t, out, "(10 items)")
	counts := submatches(t, out, `count = (-?\d+)`)
	if len(counts) != 2 || counts[0] != 0 || counts[1] != 0 {
		t.Errorf("counts %v, want 0 with the lock and 0 with the atomic add", counts)
	}
	for i := range 10 {
		if !strings.Contains(out, fmt.Sprintf("%d:100", i)) {
			t.Errorf("d[%d] = 100 missing from the output", i)
		}
	}
}
