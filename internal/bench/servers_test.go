package bench

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// pythonScript is the repository's copy of python_ref.py, beside which
// python_echo_server.py lies.
const pythonScript = "../../bench/python/python_ref.py"

// needPython skips the test without python3, except in CI, which must have
// it.
func needPython(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath(DefaultPython); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI needs %s: %v", DefaultPython, err)
		}
		t.Skipf("no %s: %v", DefaultPython, err)
	}
}

// TestServersGroups runs the servers groups at a tiny scale against
// CPython's thread server and the bare Go server, through Run as `mproc
// bench --json --python ...` does, and checks the rows and the ratios.
func TestServersGroups(t *testing.T) {
	needPython(t)
	t.Setenv(EnvScale, "0.01")
	// The heavy CPython models (a process per connection forks for every
	// one of servers_1000's connections) stay out of a test.
	saved := echoServers
	echoServers = nil
	for _, s := range saved {
		if s.python == "" || s.python == "thread" {
			echoServers = append(echoServers, s)
		}
	}
	defer func() { echoServers = saved }()

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var out, progress bytes.Buffer
	groups := []string{"servers_50", "servers_1000", "servers_churn", "servers_idle"}
	err := Run(ctx, Config{Groups: groups, JSON: true, Python: pythonScript, Stdout: &out, Stderr: &progress})
	if err != nil {
		t.Fatalf("Run: %v\nprogress:\n%s", err, progress.String())
	}
	if strings.Contains(progress.String(), "running CPython") {
		t.Errorf("python_ref.py was asked for the servers groups, which it does not have:\n%s", progress.String())
	}
	got := map[string]Result{}
	for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		r, err := ParseLine(line)
		if err != nil {
			t.Fatalf("line %q: %v", line, err)
		}
		got[r.Name] = r
	}
	for _, name := range []string{
		"echo50_py_thread_rps", "echo50_go_bare_rps", "echo50_go_bare_p50", "echo50_go_bare_p99",
		"echo1000_go_bare_answered", "echo1000_go_bare_rps",
		"echochurn_py_thread_rps", "echochurn_go_bare_rps",
		"idle_py_thread_kib_per_conn", "idle_go_bare_kib_per_conn", "idle_go_bare_pss_kib_per_conn",
	} {
		if r, ok := got[name]; !ok || !(r.Value > 0) {
			t.Errorf("%s: %+v (present: %v), want a positive figure", name, r, ok)
		}
	}
	// CPython's thread server may answer none of 1000 clients in a run
	// this short on a loaded machine; its row must be there all the same.
	if r, ok := got["echo1000_py_thread_answered"]; !ok || r.Value < 0 || r.Value > 100 {
		t.Errorf("echo1000_py_thread_answered: %+v (present: %v), want a share", r, ok)
	}
	// A share of 1000 clients (a 50 ms run under -race does not dial
	// them all); the ratios are the figures' quotients.
	if r := got["echo1000_go_bare_answered"]; r.Value <= 0 || r.Value > 100 || r.N < 1 {
		t.Errorf("the bare Go server answered %v%% of 1000 clients", r.Value)
	}
	for _, c := range []struct{ ratio, goName, pyName string }{
		{"echo50_go_bare_vs_py_thread", "echo50_go_bare_rps", "echo50_py_thread_rps"},
		{"echochurn_go_bare_vs_py_thread", "echochurn_go_bare_rps", "echochurn_py_thread_rps"},
	} {
		want := Round3(got[c.goName].Value / got[c.pyName].Value)
		if r := got[c.ratio]; r.Unit != "x" || abs3(r.Value-want) > 0.002*want+0.002 {
			t.Errorf("%s = %+v, want %v", c.ratio, r, want)
		}
	}
	// Memory: smaller is better, so the ratio is python/go.
	want := got["idle_py_thread_kib_per_conn"].Value / got["idle_go_bare_kib_per_conn"].Value
	if r := got["idle_go_bare_vs_py_thread"]; abs3(r.Value-want) > 0.01*want+0.002 {
		t.Errorf("idle ratio %+v, want %v", r, want)
	}
	waitNoChildren(t)
}

func abs3(x float64) float64 { return max(x, -x) }

// TestServersSkipCPython: without a CPython reference the CPython servers
// are skipped with a note, and the group still reports the Go rows.
func TestServersSkipCPython(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var progress bytes.Buffer
	ctx = context.WithValue(ctx, logKey{}, &progress)
	s := echoServers[0]
	if s.python == "" {
		t.Fatal("the table should start with a CPython server")
	}
	if _, err := s.start(ctx); !errors.Is(err, errSkipped) || !strings.Contains(err.Error(), "--python") {
		t.Errorf("start without a reference: %v, want errSkipped saying --python", err)
	}
	// A reference without the echo server beside it.
	ctx = context.WithValue(ctx, pythonKey{}, pythonRef{Interp: DefaultPython, Script: t.TempDir() + "/python_ref.py"})
	if _, err := s.start(ctx); !errors.Is(err, errSkipped) || !strings.Contains(err.Error(), echoScript) {
		t.Errorf("start without %s: %v", echoScript, err)
	}
}

func TestCheckResultsOptional(t *testing.T) {
	g := Group{Name: "g", Metrics: []Metric{
		{Name: "a", Unit: "us/op"},
		{Name: "b", Unit: "us/op", Optional: true},
		{Name: "c", Unit: "x"},
	}}
	r := func(names ...string) []Result {
		var out []Result
		for _, n := range names {
			u := "us/op"
			if n == "c" {
				u = "x"
			}
			out = append(out, Result{Name: n, Unit: u})
		}
		return out
	}
	for _, ok := range [][]string{{"a", "b", "c"}, {"a", "c"}} {
		if err := checkResults(g, r(ok...)); err != nil {
			t.Errorf("%v: %v", ok, err)
		}
	}
	for _, bad := range [][]string{{"a"}, {"b", "c"}, {"a", "c", "b"}, {"a", "b", "c", "d"}, {}} {
		if err := checkResults(g, r(bad...)); err == nil {
			t.Errorf("%v passed", bad)
		}
	}
	if err := checkResults(g, []Result{{Name: "a", Unit: "ns/op"}, {Name: "c", Unit: "x"}}); err == nil {
		t.Error("a wrong unit passed")
	}
}

func TestPythonWorkload(t *testing.T) {
	for _, c := range []struct {
		g    Group
		want string
	}{
		{Group{Name: "spawn"}, "spawn"},
		{Group{Name: "servers_50"}, ""},
		{Group{Name: "spawn_net", PythonWorkload: "spawn"}, "spawn"},
	} {
		if got := c.g.pythonWorkload(); got != c.want {
			t.Errorf("%s: %q, want %q", c.g.Name, got, c.want)
		}
	}
}
