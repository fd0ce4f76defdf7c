package main

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"mproc/internal/gantt"
	"mproc/sched"
)

// The sample job files are the sched package's textbook examples.
func sample(name string) string { return filepath.Join("..", "..", "sched", "testdata", name) }

func TestCLISchedText(t *testing.T) {
	t.Parallel()
	code, out, errOut := runCLI("sched", "--algo", "rr", "--quantum", "4", "--width", "60", sample("sgg-fcfs.csv"))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{
		"rr (round robin, quantum 4): 3 jobs from ",
		"job      arrival  burst  start  finish  waiting  turnaround  response\n",
		"P1             0     24      0      30        6          30         0\n",
		"P3             0      3      7      10        7          10         7\n",
		"average                                    5.67       15.67      3.67\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	lines := strings.Split(out, "\n")
	chart := lines[2:6]
	if got := chartLabels(chart[1]); !reflect.DeepEqual(got, []string{"P1", "P2", "P3", "P1"}) {
		t.Errorf("chart labels %q:\n%s", got, strings.Join(chart, "\n"))
	}
	checkAxis(t, chart, []int{0, 4, 7, 10, 30}, 60)
	if t.Failed() {
		t.Logf("output:\n%s", out)
	}
}

// chartLabels returns the names in the boxes of a chart's middle line.
func chartLabels(middle string) []string {
	var labels []string
	for _, f := range strings.Split(strings.Trim(middle, "|"), "|") {
		labels = append(labels, strings.Trim(f, " ."))
	}
	return labels
}

// checkAxis checks a four-line chart row: no line wider than width, and each
// time under a bar, written from the bar's column on.
func checkAxis(t *testing.T, chart []string, times []int, width int) {
	t.Helper()
	for _, l := range chart {
		if n := utf8.RuneCountInString(l); n > width {
			t.Errorf("line of %d columns, more than %d: %q", n, width, l)
		}
	}
	border, axis := []rune(chart[0]), chart[3]
	var bars []int
	for col, r := range border {
		if r == '+' {
			bars = append(bars, col)
		}
	}
	var got []int
	for col := 0; col < len(axis); col++ {
		if axis[col] == ' ' {
			continue
		}
		end := col
		for end < len(axis) && axis[end] != ' ' {
			end++
		}
		v, err := strconv.Atoi(axis[col:end])
		if err != nil || !containsInt(bars, col) {
			t.Errorf("axis %q: %q at column %d, not under a bar (%v)", axis, axis[col:end], col, bars)
		}
		got = append(got, v)
		col = end
	}
	if !reflect.DeepEqual(got, times) {
		t.Errorf("axis times %v, want %v", got, times)
	}
}

func containsInt(s []int, v int) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// A chart with more boxes than fit wraps into rows, each within the width,
// with its own axis; the times of all rows are the chart's boundaries, and
// crowded times are left out but never the row's last.
func TestGanttWraps(t *testing.T) {
	t.Parallel()
	var segs []sched.Segment
	for i := range 30 {
		name := "J" + strconv.Itoa(i%3)
		if i == 10 {
			name = ""
		}
		segs = append(segs, sched.Segment{Name: name, Start: 3 * i, End: 3*i + 3})
	}
	var b bytes.Buffer
	gantt.Chart(&b, segs, 40)
	rows := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n\n")
	if len(rows) < 3 {
		t.Fatalf("%d rows:\n%s", len(rows), b.String())
	}
	boxes, lastEnd := 0, 0
	for _, row := range rows {
		lines := strings.Split(row, "\n")
		if len(lines) != 4 {
			t.Fatalf("row of %d lines:\n%s", len(lines), row)
		}
		labels := chartLabels(lines[1])
		boxes += len(labels)
		fields := strings.Fields(lines[3])
		first, _ := strconv.Atoi(fields[0])
		last, _ := strconv.Atoi(fields[len(fields)-1])
		if first != lastEnd || last != lastEnd+3*len(labels) {
			t.Errorf("row from %d to %d after %d, with %d boxes:\n%s", first, last, lastEnd, len(labels), row)
		}
		lastEnd = last
		var times []int
		for _, f := range fields {
			v, _ := strconv.Atoi(f)
			times = append(times, v)
		}
		checkAxis(t, lines, times, 40)
	}
	if boxes != 30 || lastEnd != 90 {
		t.Errorf("%d boxes ending at %d:\n%s", boxes, lastEnd, b.String())
	}
	if !strings.Contains(b.String(), "|idle|") && !strings.Contains(b.String(), "|.") {
		t.Errorf("no idle box:\n%s", b.String())
	}
}

func TestCLISchedJSON(t *testing.T) {
	t.Parallel()
	jobs := readSample(t, "sgg-srtf.csv")
	for _, algo := range schedAlgos {
		code, out, errOut := runCLI("sched", "--json", "--algo", algo, "--quantum", "3", "--levels", "2,4,8", "--boost", "10", sample("sgg-srtf.csv"))
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", algo, code, errOut)
		}
		var got schedJSON
		dec := json.NewDecoder(strings.NewReader(out))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&got); err != nil {
			t.Fatalf("%s: %v\n%s", algo, err, out)
		}
		if _, err := dec.Token(); !errors.Is(err, io.EOF) {
			t.Errorf("%s: more than one JSON value: %s", algo, out)
		}
		// Exactly the keys asked for, no more.
		var keys map[string]json.RawMessage
		json.Unmarshal([]byte(out), &keys)
		if len(keys) != 6 {
			t.Errorf("%s: keys %v", algo, keys)
		}
		var p sched.Policy
		switch algo {
		case "rr":
			p = sched.RR{Quantum: 3}
		case "mlfq":
			p = sched.MLFQ{Quanta: []int{2, 4, 8}, Boost: 10}
		default:
			c := &schedCmd{}
			p, _ = c.policy(algo)
		}
		s, err := sched.Run(jobs, p)
		if err != nil {
			t.Fatal(err)
		}
		if want := toJSON(s); !reflect.DeepEqual(got, want) || got.Algo != algo {
			t.Errorf("%s: got %+v\nwant %+v", algo, got, want)
		}
	}
	// The textbook's figure, through the whole command.
	_, out, _ := runCLI("sched", "--json", "--algo", "srtf", sample("sgg-srtf.csv"))
	if !strings.Contains(out, `"avg_waiting":6.5,`) || !strings.Contains(out, `{"name":"P1","start":0,"end":1}`) {
		t.Errorf("srtf json: %s", out)
	}
}

func readSample(t *testing.T, name string) []sched.Job {
	t.Helper()
	f, err := os.Open(sample(name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	jobs, err := sched.ParseCSV(f)
	if err != nil {
		t.Fatal(err)
	}
	return jobs
}

func TestCLISchedCompare(t *testing.T) {
	t.Parallel()
	code, out, errOut := runCLI("sched", "--compare", sample("sgg-srtf.csv"))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{
		"4 jobs from ",
		"policy                                                avg waiting   avg turnaround   avg response\n",
		"fcfs (first-come, first-served)                              8.75            15.25           8.75\n",
		"sjf (shortest job first, non-preemptive)                     7.75            14.25           7.75\n",
		"srtf (shortest remaining time first)                         6.50*           13.00*          4.25*\n",
		"rr (round robin, quantum 4)",
		"mlfq (multi-level feedback queue, quanta 4,8,16)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	code, out, _ = runCLI("sched", "--compare", "--json", sample("sgg-srtf.csv"))
	var got struct{ Compare []schedJSON }
	if err := json.Unmarshal([]byte(out), &got); code != 0 || err != nil || len(got.Compare) != len(schedAlgos) {
		t.Fatalf("compare --json: %d, %v\n%s", code, err, out)
	}
	for i, r := range got.Compare {
		if r.Algo != schedAlgos[i] || len(r.Jobs) != 4 {
			t.Errorf("entry %d: %+v", i, r)
		}
	}
}

func TestCLISchedSVG(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, c := range []struct {
		args []string
		// The run boxes: the CPU lane's and each job lane's for one
		// schedule, every policy's chart for --compare.
		runs  int
		lanes []string
	}{
		{[]string{"--algo", "srtf"}, 2 * 5, []string{"CPU", "P1", "P4"}},
		{[]string{"--algo", "mlfq", "--levels", "1,2"}, -1, []string{"CPU", "P3"}},
		{[]string{"--compare"}, 4 + 4 + 5 + 4 + 4 + 8 + 7, []string{"fcfs", "srtf", "rr q=4", "mlfq 4,8,16"}},
	} {
		out := filepath.Join(dir, strings.Join(c.args, "")+".svg")
		args := append([]string{"sched", "--svg", out}, c.args...)
		code, stdout, errOut := runCLI(append(args, sample("sgg-srtf.csv"))...)
		if code != 0 || !strings.Contains(errOut, "wrote "+out) || stdout == "" {
			t.Fatalf("%v: exit %d, %s", c.args, code, errOut)
		}
		b, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		runs, texts := parseSVG(t, b)
		if c.runs >= 0 && runs != c.runs {
			t.Errorf("%v: %d run boxes, want %d", c.args, runs, c.runs)
		}
		for _, lane := range c.lanes {
			if !texts[lane] {
				t.Errorf("%v: no lane %q", c.args, lane)
			}
		}
	}
	if code, _, errOut := runCLI("sched", "--svg", filepath.Join(dir, "no", "such", "dir.svg"), sample("sgg-srtf.csv")); code != 1 || !strings.Contains(errOut, "no such file") {
		t.Errorf("svg into a missing directory: %d, %s", code, errOut)
	}
}

// parseSVG checks that b is well-formed XML with an svg root; it returns the
// number of rect elements of class run and the texts shown.
func parseSVG(t *testing.T, b []byte) (runs int, texts map[string]bool) {
	t.Helper()
	texts = map[string]bool{}
	dec := xml.NewDecoder(bytes.NewReader(b))
	var stack []string
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("SVG does not parse: %v", err)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			if len(stack) == 0 && tok.Name.Local != "svg" {
				t.Fatalf("root element %s", tok.Name.Local)
			}
			stack = append(stack, tok.Name.Local)
			for _, a := range tok.Attr {
				if tok.Name.Local == "rect" && a.Name.Local == "class" && a.Value == "run" {
					runs++
				}
			}
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 && stack[len(stack)-1] == "text" {
				texts[string(tok)] = true
			}
		}
	}
	return runs, texts
}

func TestCLISchedErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.csv")
	if err := os.WriteFile(bad, []byte("name,arrival,burst\nA,0,1\nB,0,-4\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	good := sample("sgg-fcfs.csv")
	cases := []struct {
		args []string
		code int
		text string
	}{
		{[]string{"sched"}, 2, "sched takes one FILE"},
		{[]string{"sched", good, good}, 2, "sched takes one FILE"},
		{[]string{"sched", "--algo", "lottery", good}, 2, `unknown --algo "lottery"; known: fcfs, sjf, srtf, priority, priority-preemptive, rr, mlfq`},
		{[]string{"sched", "--algo", "rr", "--quantum", "0", good}, 2, "--quantum 0: quantum must be positive"},
		{[]string{"sched", "--compare", "--quantum", "-1", good}, 2, "quantum must be positive"},
		{[]string{"sched", "--algo", "mlfq", "--levels", "2,x", good}, 2, `--levels "2,x": each level's quantum must be a positive integer`},
		{[]string{"sched", "--algo", "mlfq", "--levels", "2,0", good}, 2, "positive integer"},
		{[]string{"sched", "--algo", "mlfq", "--boost", "-5", good}, 2, "boost period must not be negative"},
		{[]string{"sched", "--width", "-1", good}, 2, "--width -1"},
		{[]string{"sched", "--quantum", "x", good}, 2, "invalid value"},
		{[]string{"sched", filepath.Join(dir, "missing.csv")}, 1, "no such file"},
		{[]string{"sched", bad}, 1, "bad.csv: sched: line 3: burst must be positive, got -4"},
	}
	for _, c := range cases {
		code, out, errOut := runCLI(c.args...)
		if code != c.code || !strings.Contains(errOut, c.text) || out != "" {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want %d and %q", c.args, code, out, errOut, c.code, c.text)
		}
	}
	if code, out, _ := runCLI("--help"); code != 0 || !strings.Contains(out, "sched [--algo NAME]") {
		t.Errorf("usage lacks sched: %s", out)
	}
}
