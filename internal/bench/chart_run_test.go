package bench

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"testing"
)

// TestRunChartAndProgress runs a real group against a stand-in CPython and
// checks the chart Run draws and the progress it reports.
func TestRunChartAndProgress(t *testing.T) {
	t.Setenv(EnvScale, "0.01")
	interp, script, _ := fakePython(t, "echo '"+pyRSSLine+"'")
	var out, stderr, svg bytes.Buffer
	var calls [][2]int
	err := Run(context.Background(), Config{
		Groups: []string{"rss"}, Python: script, Interpreter: interp, Stdout: &out, Stderr: &stderr, Chart: &svg,
		Progress: func(done, total int) { calls = append(calls, [2]int{done, total}) },
	})
	if err != nil {
		t.Fatalf("Run: %v\n%s", err, stderr.String())
	}
	if !slices.Equal(calls, [][2]int{{1, 1}}) {
		t.Errorf("progress calls %v, want one, 1 of 1", calls)
	}
	if s := svg.String(); !strings.HasPrefix(s, "<svg") || !strings.Contains(s, `class="ratio"`) || !strings.Contains(s, "child_rss") || !strings.Contains(s, "goal 2x") {
		t.Errorf("chart:\n%s", s)
	}
}
