package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestN(t *testing.T) {
	for _, c := range []struct {
		x     int
		scale float64
		want  int
	}{
		{300, 1, 300},
		{300, 0.01, 3},
		{300, 0.5, 150},
		{30, 0.01, 1}, // int(0.3) = 0, then max(1, ...)
		{200_000, 0.01, 2000},
		{1_000_000, 0.001, 1000},
		{300, 0, 1},
		{300, -2, 1},
		{300, 1e-9, 1},
		{7, 1.5, 10}, // int(10.5) truncates
		{300, math.NaN(), 1},
	} {
		if got := N(c.x, c.scale); got != c.want {
			t.Errorf("N(%d, %v) = %d, want %d", c.x, c.scale, got, c.want)
		}
	}
}

func TestScaleFromEnv(t *testing.T) {
	t.Setenv(EnvScale, "") // restores the outer value after the test
	os.Unsetenv(EnvScale)
	if s, err := ScaleFromEnv(); s != 1 || err != nil {
		t.Errorf("unset: %v, %v; want 1", s, err)
	}
	for v, want := range map[string]float64{"0.01": 0.01, " 2 ": 2, "1e-3": 0.001, "0": 0} {
		t.Setenv(EnvScale, v)
		if s, err := ScaleFromEnv(); s != want || err != nil {
			t.Errorf("%q: %v, %v; want %v", v, s, err, want)
		}
	}
	for _, v := range []string{"", "abc", "nan", "inf"} {
		t.Setenv(EnvScale, v)
		if _, err := ScaleFromEnv(); err == nil || !strings.Contains(err.Error(), EnvScale) {
			t.Errorf("%q: err = %v, want an error naming %s", v, err, EnvScale)
		}
	}
}

func TestHigherIsBetter(t *testing.T) {
	for unit, want := range map[string]bool{"msgs/s": true, "MB/s": true, "ops/s": true, "items/s": true, "tasks/s": true, "us/op": false, "ns/op": false, "KiB": false} {
		if got, ok := HigherIsBetter(unit); !ok || got != want {
			t.Errorf("HigherIsBetter(%q) = %v, %v; want %v", unit, got, ok, want)
		}
	}
	if _, ok := HigherIsBetter("furlongs"); ok {
		t.Error("HigherIsBetter knows an unknown unit")
	}
}

func TestRatio(t *testing.T) {
	for _, c := range []struct {
		goV, pyV float64
		higher   bool
		want     float64
		ok       bool
	}{
		{200, 100, true, 2, true},      // rate: Go does twice as much per second
		{50, 100, true, 0.5, true},     // rate: Go does half
		{500, 1000, false, 2, true},    // cost: Go takes half the time
		{2000, 1000, false, 0.5, true}, // cost: Go takes twice the time
		{0, 100, false, 0, false},
		{100, 0, true, 0, false},
		{-1, 100, true, 0, false},
		{math.Inf(1), 100, true, 0, false},
		{math.NaN(), 100, true, 0, false},
	} {
		got, ok := Ratio(c.goV, c.pyV, c.higher)
		if ok != c.ok || (ok && math.Abs(got-c.want) > 1e-12) {
			t.Errorf("Ratio(%v, %v, %v) = %v, %v; want %v, %v", c.goV, c.pyV, c.higher, got, ok, c.want, c.ok)
		}
	}
}

// The expected strings are what CPython's json.dumps(round(v, 3)) prints.
func TestPyFloatAndRound3(t *testing.T) {
	for v, want := range map[float64]string{
		0:                    "0.0",
		1:                    "1.0",
		1e6:                  "1000000.0",
		1e16:                 "1e+16",
		1e21:                 "1e+21",
		1.5e-5:               "0.0",
		0.00051:              "0.001",
		123.4565:             "123.457",
		0.0625:               "0.062",
		2.675:                "2.675",
		1.0005:               "1.0",
		412.3456:             "412.346",
		2062.0715:            "2062.072",
		1234567.8915:         "1234567.891",
		99999999999999.99:    "99999999999999.98",
		math.Copysign(0, -1): "-0.0",
	} {
		if got := PyFloat(Round3(v)); got != want {
			t.Errorf("PyFloat(Round3(%v)) = %s, want %s", v, got, want)
		}
	}
	if got := PyFloat(1.5e-5); got != "1.5e-05" {
		t.Errorf("PyFloat(1.5e-5) = %s, want 1.5e-05", got)
	}
}

func TestJSONLine(t *testing.T) {
	r := Result{Name: "process_start_join", Unit: "us/op", Value: 412.3456, N: 300}
	const want = `{"name": "process_start_join", "unit": "us/op", "value": 412.346, "n": 300}`
	line := r.JSONLine()
	if line != want {
		t.Fatalf("JSONLine() = %s\nwant          %s", line, want)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(line), &m); err != nil || len(m) != 4 {
		t.Fatalf("not a JSON object with 4 keys: %v, %v", m, err)
	}
	back, err := ParseLine(line)
	if err != nil || back != (Result{Name: r.Name, Unit: r.Unit, Value: 412.346, N: 300}) {
		t.Errorf("ParseLine(JSONLine()) = %+v, %v", back, err)
	}
	if got := (Result{Name: `a"b\é`, Unit: "KiB", Value: 5120, N: 1}).JSONLine(); got != `{"name": "a\"b\\\u00e9", "unit": "KiB", "value": 5120.0, "n": 1}` {
		t.Errorf("escaping: %s", got)
	}
}

func TestParseLine(t *testing.T) {
	r, err := ParseLine(`{"name": "child_rss_spawn", "unit": "KiB", "value": 14080, "n": 1}`)
	if err != nil || r != (Result{Name: "child_rss_spawn", Unit: "KiB", Value: 14080, N: 1}) {
		t.Errorf("got %+v, %v", r, err)
	}
	for _, bad := range []string{"", "hello", `{"name": "x"}`, `{"name": "x", "unit": "u", "value": "1", "n": 1}`, `{"name": "x", "unit": "u", "value": 1, "n": 1} {}`} {
		if _, err := ParseLine(bad); err == nil {
			t.Errorf("ParseLine(%q) accepted it", bad)
		}
	}
}

func TestComparisons(t *testing.T) {
	want := map[string]Comparison{
		"process_start_join":      {Go: "process_start_join", Python: "process_start_join_fork", Unit: "us/op"},
		"process_start_join_cold": {Go: "process_start_join_cold", Python: "process_start_join_spawn", Unit: "us/op"},
		"child_rss":               {Go: "child_rss", Python: "child_rss_spawn", Unit: "KiB"},
	}
	got := map[string]Comparison{}
	for _, c := range Comparisons() {
		got[c.Go] = c
	}
	for name, w := range want {
		if got[name] != w {
			t.Errorf("comparison for %s = %+v, want %+v", name, got[name], w)
		}
	}
}

func sampleRows() []Row {
	goRes := []Result{
		{Name: "process_start_join", Unit: "us/op", Value: 500, N: 300},
		{Name: "process_start_join_cold", Unit: "us/op", Value: 2000, N: 300},
		{Name: "child_rss", Unit: "KiB", Value: 5000, N: 1},
	}
	pyRes := []Result{
		{Name: "process_start_join_fork", Unit: "us/op", Value: 1000, N: 300},
		{Name: "process_start_join_spawn", Unit: "us/op", Value: 40000, N: 30},
		{Name: "child_rss_spawn", Unit: "KiB", Value: 20000, N: 1},
	}
	return Compare(goRes, pyRes)
}

func TestCompareAndRatioLines(t *testing.T) {
	rows := sampleRows()
	wantRatio := []float64{2, 20, 4}
	for i, r := range rows {
		if !r.HasRatio || r.Ratio != wantRatio[i] {
			t.Errorf("%s: ratio %v (%v), want %v", r.Go.Name, r.Ratio, r.HasRatio, wantRatio[i])
		}
	}
	var lines []string
	for _, r := range RatioResults(rows) {
		lines = append(lines, r.JSONLine())
	}
	want := []string{
		`{"name": "ratio:process_start_join", "unit": "x", "value": 2.0, "n": 300}`,
		`{"name": "ratio:process_start_join_cold", "unit": "x", "value": 20.0, "n": 300}`,
		`{"name": "ratio:child_rss", "unit": "x", "value": 4.0, "n": 1}`,
	}
	if strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Errorf("ratio lines:\n%s\nwant:\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}

	// A Python result that is missing gives no ratio.
	rows = Compare([]Result{{Name: "child_rss", Unit: "KiB", Value: 5000, N: 1}, {Name: "not_compared", Unit: "KiB", Value: 1, N: 1}}, nil)
	if rows[0].HasRatio || rows[0].Compared != "child_rss_spawn" || rows[0].Python != nil || rows[1].Compared != "" {
		t.Errorf("rows without Python results: %+v", rows)
	}
	if len(RatioResults(rows)) != 0 {
		t.Error("ratio lines without Python results")
	}
}

func TestWriteTable(t *testing.T) {
	var b bytes.Buffer
	WriteTable(&b, sampleRows(), true, []Result{{Name: "process_start_join_forkserver", Unit: "us/op", Value: 9000, N: 300}})
	got := b.String()
	for _, want := range []string{
		"name                     unit     go  python   ratio\n" +
			"process_start_join       us/op   500    1000   2.00x\n" +
			"process_start_join_cold  us/op  2000   40000  20.00x\n" +
			"child_rss                KiB    5000   20000   4.00x\n\n",
		"process_start_join vs process_start_join_fork",
		"other CPython results: process_start_join_forkserver 9000 us/op",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("table lacks %q:\n%s", want, got)
		}
	}

	b.Reset()
	WriteTable(&b, []Row{{Go: Result{Name: "child_rss", Unit: "KiB", Value: 5120.5, N: 1}}}, false, nil)
	if want := "name       unit      go\nchild_rss  KiB   5120.5\n"; b.String() != want {
		t.Errorf("Go-only table:\n%s\nwant:\n%s", b.String(), want)
	}
}

func TestSelect(t *testing.T) {
	gs, err := Select(nil)
	if err != nil || len(gs) < 2 || gs[0].Name != "spawn" {
		t.Fatalf("Select(nil) = %v, %v; want every group, spawn first", gs, err)
	}
	if slices.ContainsFunc(gs, func(g Group) bool { return g.OnlyByName }) {
		t.Errorf("Select(nil) has a group that runs only by name: %v", gs)
	}
	if gs, err := Select([]string{PortableGroup}); err != nil || len(gs) != 1 || !gs[0].OnlyByName {
		t.Errorf("Select(portable) = %v, %v", gs, err)
	}
	if !slices.Contains(Names(), PortableGroup) {
		t.Errorf("Names() leaves out %s: %v", PortableGroup, Names())
	}
	gs, err = Select([]string{"rss", "spawn", "rss"})
	if err != nil || len(gs) != 2 || gs[0].Name != "rss" || gs[1].Name != "spawn" {
		t.Errorf("Select(rss spawn rss) = %v, %v", gs, err)
	}
	_, err = Select([]string{"spawn", "nope"})
	if err == nil || !strings.Contains(err.Error(), `"nope"`) || !strings.Contains(err.Error(), "known groups: spawn, ") {
		t.Errorf("unknown group: %v", err)
	}
}

func TestRegisterRefusesUnknownUnit(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("Register accepted a unit with no direction")
		}
		if _, err := Select([]string{"bad"}); err == nil {
			t.Error("the refused group was registered")
		}
	}()
	Register(Group{Name: "bad", Metrics: []Metric{{Name: "bad", Unit: "furlongs"}}, Run: func(context.Context, float64) ([]Result, error) { return nil, nil }})
}

// fakePython writes a shell script that stands in for python3: it records
// its arguments and prints body's output.
func fakePython(t *testing.T, body string) (interp, script, argsFile string) {
	dir := t.TempDir()
	argsFile = filepath.Join(dir, "args")
	interp = filepath.Join(dir, "fakepython")
	if err := os.WriteFile(interp, []byte("#!/bin/sh\necho \"$@\" > "+argsFile+"\n"+body+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	script = filepath.Join(dir, "python_ref.py")
	if err := os.WriteFile(script, []byte("# fake\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return interp, script, argsFile
}

const pyRSSLine = `{"name": "child_rss_spawn", "unit": "KiB", "value": 14080, "n": 1}`

func TestRunPython(t *testing.T) {
	interp, script, argsFile := fakePython(t, "echo '"+pyRSSLine+"'\necho 'not json'\necho oops >&2\n")
	var stderr bytes.Buffer
	lines, err := RunPython(context.Background(), interp, script, []string{"spawn", "rss"}, &stderr)
	if err != nil {
		t.Fatal(err)
	}
	if len(lines) != 1 || lines[0].Text != pyRSSLine || lines[0].Result.Name != "child_rss_spawn" {
		t.Errorf("lines = %+v", lines)
	}
	if args, _ := os.ReadFile(argsFile); string(args) != script+" spawn rss\n" {
		t.Errorf("interpreter got %q", args)
	}
	if s := stderr.String(); !strings.Contains(s, "oops") || !strings.Contains(s, `ignoring output line "not json"`) {
		t.Errorf("stderr: %q", s)
	}

	interp, script, _ = fakePython(t, "echo '"+pyRSSLine+"'\nexit 3")
	lines, err = RunPython(context.Background(), interp, script, nil, &stderr)
	if err == nil || !strings.Contains(err.Error(), "exit status 3") || len(lines) != 1 {
		t.Errorf("failing script: %v, %d lines", err, len(lines))
	}
	if _, err := RunPython(context.Background(), filepath.Join(t.TempDir(), "no-python"), script, nil, &stderr); err == nil {
		t.Error("a missing interpreter is not an error")
	}
	if _, err := RunPython(context.Background(), interp, filepath.Join(t.TempDir(), "nope.py"), nil, &stderr); err == nil || !strings.Contains(err.Error(), "nope.py") {
		t.Errorf("a missing script: %v", err)
	}
}

// TestRunWithPythonJSON checks the whole --json --python output: the Go
// lines, CPython's lines as printed, then the ratio lines.
func TestRunWithPythonJSON(t *testing.T) {
	t.Setenv(EnvScale, "0.01")
	interp, script, argsFile := fakePython(t, "echo '"+pyRSSLine+"'")
	var out, stderr bytes.Buffer
	err := Run(context.Background(), Config{Groups: []string{"rss"}, JSON: true, Python: script, Interpreter: interp, Stdout: &out, Stderr: &stderr})
	if err != nil {
		t.Fatalf("Run: %v\n%s", err, stderr.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 3 {
		t.Fatalf("want 3 lines (go, python, ratio), got:\n%s", out.String())
	}
	goRes, err := ParseLine(lines[0])
	if err != nil || goRes.Name != "child_rss" {
		t.Fatalf("first line %q: %v", lines[0], err)
	}
	if lines[1] != pyRSSLine {
		t.Errorf("python line %q, want it as printed: %q", lines[1], pyRSSLine)
	}
	ratio, err := ParseLine(lines[2])
	if err != nil || ratio.Name != "ratio:child_rss" || ratio.Unit != "x" || ratio.N != 1 || math.Abs(ratio.Value-Round3(14080/goRes.Value)) > 1e-9 {
		t.Errorf("ratio line %q (%v), want python/go = %v", lines[2], err, 14080/goRes.Value)
	}
	if args, _ := os.ReadFile(argsFile); string(args) != script+" rss\n" {
		t.Errorf("python ran with %q, want only the requested group", args)
	}
}

// TestRunPythonFails checks that the Go results are printed even when the
// CPython side fails, and that the failure is reported.
func TestRunPythonFails(t *testing.T) {
	interp, script, _ := fakePython(t, "echo 'Traceback: boom' >&2\nexit 1")
	var out, stderr bytes.Buffer
	err := Run(context.Background(), Config{Groups: []string{"rss"}, Python: script, Interpreter: interp, Stdout: &out, Stderr: &stderr})
	if err == nil || !strings.Contains(err.Error(), "CPython") {
		t.Errorf("err = %v, want the CPython failure", err)
	}
	if !strings.Contains(out.String(), "child_rss") || strings.Contains(out.String(), "python") {
		t.Errorf("want the Go-only table, got:\n%s", out.String())
	}
	if !strings.Contains(stderr.String(), "Traceback: boom") {
		t.Errorf("CPython's stderr is not passed on:\n%s", stderr.String())
	}
}
