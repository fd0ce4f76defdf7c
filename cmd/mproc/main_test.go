package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"mproc"
	"mproc/internal/bench"
	"mproc/internal/demo"
)

func TestMain(m *testing.M) {
	mproc.Main()
	os.Exit(m.Run())
}

var double = mproc.Register[int, int]("cmd-test.double", func(x int) int { return 2 * x })

func fakeDemos() []demo.Demo {
	return []demo.Demo{
		{Name: "child", Title: "A real child", Intro: "Starts a process and prints what it returns.", Run: func(ctx context.Context, w io.Writer) error {
			v, err := double.Call(ctx, 21)
			if err != nil {
				return err
			}
			fmt.Fprintf(w, "the child says %d\n", v)
			return nil
		}},
		{Name: "fails", Title: "Fails", Run: func(ctx context.Context, w io.Writer) error {
			fmt.Fprint(w, "no newline")
			return errors.New("it went wrong\nsecond line")
		}},
		{Name: "panics", Title: "Panics", Run: func(ctx context.Context, w io.Writer) error { panic("boom") }},
		{Name: "slow", Title: "Runs out of time", Run: func(ctx context.Context, w io.Writer) error {
			<-ctx.Done()
			return ctx.Err()
		}},
		{Name: "stuck", Title: "Ignores its context", Run: func(ctx context.Context, w io.Writer) error {
			time.Sleep(2 * time.Second)
			return nil
		}},
		{Name: "last", Title: "Still runs", Intro: strings.Repeat("word ", 40), Run: func(ctx context.Context, w io.Writer) error {
			fmt.Fprintln(w, "last output")
			return nil
		}},
	}
}

func TestTour(t *testing.T) {
	old := demoGrace
	demoGrace = 100 * time.Millisecond
	defer func() { demoGrace = old }()

	var out bytes.Buffer
	err := tour(context.Background(), fakeDemos(), &out, 300*time.Millisecond)
	got := out.String()
	if err == nil || !strings.Contains(err.Error(), "4 of 6 demos failed: fails, panics, slow, stuck") {
		t.Errorf("err = %v", err)
	}
	for _, want := range []string{
		"━━ 1/6 · child ━━━",
		"   A real child\n\n   Starts a process and prints what it returns.\n── output ─",
		"── output ─",
		"the child says 42\n── child: ok in ",
		"no newline\n── fails: FAILED in ",
		"   error: it went wrong\n   second line\n",
		"error: panic: boom",
		"error: ran out of time (--timeout 300ms): context deadline exceeded",
		"error: ran out of time (--timeout 300ms): did not return within 100ms",
		"━━ 6/6 · last ━━━",
		"   Still runs\n",
		"last output\n── last: ok in ",
		"4 of 6 demos failed: fails, panics, slow, stuck.",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("tour output lacks %q", want)
		}
	}
	for _, line := range strings.Split(got, "\n") {
		if strings.HasPrefix(line, "   word") && len([]rune(line)) > ruleWidth {
			t.Errorf("intro line longer than %d: %q", ruleWidth, line)
		}
	}
	if t.Failed() {
		t.Logf("output:\n%s", got)
	}
	if n := len(mproc.ActiveChildren()); n > 0 {
		t.Errorf("%d children left", n)
	}
}

func TestTourEmpty(t *testing.T) {
	var out bytes.Buffer
	if err := tour(context.Background(), nil, &out, time.Second); err != nil || !strings.Contains(out.String(), "no demos") {
		t.Errorf("empty tour: %v, %q", err, out.String())
	}
}

func TestListAndUnknownDemo(t *testing.T) {
	var out bytes.Buffer
	listDemos(&out, fakeDemos())
	if !strings.Contains(out.String(), "  child   A real child\n") {
		t.Errorf("list:\n%s", out.String())
	}
	err := unknownDemo("nope", fakeDemos())
	if err == nil || err.Error() != `unknown demo "nope"; known demos: child, fails, panics, slow, stuck, last` {
		t.Errorf("unknown demo: %v", err)
	}
	if err := unknownDemo("nope", nil); err == nil || !strings.Contains(err.Error(), "no demos are registered") {
		t.Errorf("unknown demo, none registered: %v", err)
	}
}

func runCLI(args ...string) (code int, stdout, stderr string) {
	var o, e bytes.Buffer
	code = run(args, &o, &e)
	return code, o.String(), e.String()
}

func TestCLI(t *testing.T) {
	if code, out, _ := runCLI("--help"); code != 0 || !strings.Contains(out, "Usage: mproc <command>") || !strings.Contains(out, "spawn") || !strings.Contains(out, "portable (only when named)") {
		t.Errorf("--help: %d\n%s", code, out)
	}
	if code, _, errOut := runCLI("frobnicate"); code != 2 || !strings.Contains(errOut, `unknown command "frobnicate"`) {
		t.Errorf("bad command: %d, %q", code, errOut)
	}
	if code, _, errOut := runCLI("bench", "--frob"); code != 2 || !strings.Contains(errOut, "frob") {
		t.Errorf("bad flag: %d, %q", code, errOut)
	}
	if code, _, errOut := runCLI("tour", "extra"); code != 2 || !strings.Contains(errOut, `unknown demo "extra"`) || !strings.Contains(errOut, "hello") {
		t.Errorf("tour extra: %d, %q", code, errOut)
	}
	if code, _, errOut := runCLI("demo", "nope"); code != 1 || !strings.Contains(errOut, `unknown demo "nope"`) {
		t.Errorf("demo nope: %d, %q", code, errOut)
	}
	if code, out, _ := runCLI("demo"); code != 0 || out == "" {
		t.Errorf("demo: %d, %q", code, out)
	}
	code, _, errOut := runCLI("bench", "nope")
	if code != 1 || !strings.Contains(errOut, `unknown benchmark group "nope"; known groups: `+strings.Join(bench.Names(), ", ")) {
		t.Errorf("bench nope: %d, %q", code, errOut)
	}
}

func TestCLIBenchJSON(t *testing.T) {
	code, out, errOut := runCLI("bench", "rss", "--json") // flags after arguments too
	if code != 0 {
		t.Fatalf("bench --json rss: %d\n%s", code, errOut)
	}
	r, err := bench.ParseLine(strings.TrimSpace(out))
	if err != nil || r.Name != "child_rss" || r.Unit != "KiB" || r.Value <= 0 || r.N != 1 {
		t.Errorf("output %q: %+v, %v", out, r, err)
	}
	if !strings.Contains(errOut, "bench: running rss") {
		t.Errorf("no progress on stderr: %q", errOut)
	}
}

func TestCLIBenchPythonMissing(t *testing.T) {
	code, out, errOut := runCLI("bench", "--python", "/nonexistent/python_ref.py", "rss")
	if code != 1 || !strings.Contains(out, "child_rss") || !strings.Contains(errOut, "/nonexistent/python_ref.py") {
		t.Errorf("bench with a missing script: %d\nstdout: %s\nstderr: %s", code, out, errOut)
	}
}

// TestTourNamed runs a chosen few demos with real children, in the order
// given, each once.
func TestTourNamed(t *testing.T) {
	code, out, errOut := runCLI("tour", "join", "hello", "join")
	if code != 0 {
		t.Fatalf("tour join hello: %d\n%s\n%s", code, out, errOut)
	}
	if !strings.Contains(out, "2 demos") || !strings.Contains(out, "all 2 demos ran") {
		t.Errorf("tour join hello: not two demos:\n%s", out)
	}
	j, h := strings.Index(out, "1/2 · join"), strings.Index(out, "2/2 · hello")
	if j < 0 || h < j {
		t.Errorf("tour join hello: not join then hello:\n%s", out)
	}
	if strings.Contains(out, "· daemon") {
		t.Errorf("tour join hello ran the daemon demo too:\n%s", out)
	}
}
