// Package examples_test builds every program under examples/ and runs it,
// so that the examples a user copies out of the repository keep working.
package examples_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// expect holds, for each example, lines its output must contain.
var expect = map[string][]string{
	"blocking":          {"TryGet:   mproc: empty (ErrEmpty: true)", "Lock:     got it after"},
	"cluster":           {"main: pool.map(square, range(12)) -> [0 1 4 9 16 25 36 49 64 81 100 121]"},
	"counter":           {"main: counter 30 -> 0 with 30 processes, mode lock", "mode atomic"},
	"crawler":           {"main: fetched and parsed 5 pages"},
	"daemon":            {"ended with the emperor", "main: refused", "main-------\nend456\n"},
	"endings":           {"segfault   ", "-11", "main: every exit code is CPython's"},
	"gevent":            {"back in first", "main: all done after"},
	"hello":             {"main: I am the parent, printed after join()", "process bucuo is running", "  child 9\n", "main: done"},
	"isolation":         {"main: print(number) -> 10"},
	"join":              {"joining from the list was faster"},
	"joinable":          {"all 9 items eaten", "the daemon consumers ended with me"},
	"lifecycle":         {"stopped exitcode=-15", "every exit code is as expected", "no tickets left", "authkey equals mine: true", "which is me: true", "still alive: true"},
	"lock-print":        {"with the lock each child printed its whole block alone"},
	"lock-survives":     {"previous owner died", "A=70 B=30"},
	"manager":           {"main: count = 0"},
	"parallel":          {"2 goroutines, GOMAXPROCS(1)  wall", "on one core the jobs took turns"},
	"pipe":              {"吃了吗", "then saw EOF"},
	"pool":              {"p.map(square, range(10)) -> [0 1 4 9 16 25 36 49 64 81]", "bad.ready() -> true, bad.successful() -> false", `a task sees what the initializer set: "hello"`, "dropped the running task: ErrTerminated"},
	"producer-consumer": {"made 9, eaten 9"},
	"queue-basics":      {"ErrFull", "ErrEmpty", "ErrClosed", "tank1 生产了 Pig饲料9 食物", "stopped at the first empty queue"},
	"queue-child":       {"from Eva", "10 lines put, the same 10 got"},
	"queue-talk":        {"p2获取的数据是100", "p1获取数据: 9527"},
	"rlock":             {"the waiter got it only after both releases", "我又回来了!", "they held it one after the other"},
	"sched":             {"srtf                 12222444441111111333333333     6.50", "srtf waits least"},
	"sync-async":        {"main: Apply returned \"customer 3 served", "callback: number 3 is called"},
	"threadpool":        {"200 results from 50 goroutines", "20 results from a pool of 2 processes"},
	"threads":           {"number = 1000 (the child", "with a sync.Mutex around it: number = 0", "start...MyThread-1\nend...MyThread-1", "Go's threading.Timer"},
	"tickets":           {"sold 3 of 3 tickets with the lock"},
	"zombie-orphan":     {"the orphan's parent is now me", "I reaped it"},
}

// running bounds how many examples run at once: each starts several
// processes, and the machines that run this test may have two cores.
var running = make(chan struct{}, 2)

func TestExamples(t *testing.T) {
	checkListed(t)
	bin := build(t)
	for name, want := range expect {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			running <- struct{}{}
			defer func() { <-running }()
			out := runExample(t, filepath.Join(bin, name))
			for _, s := range want {
				if !strings.Contains(out, s) {
					t.Errorf("the output lacks %q:\n%s", s, out)
				}
			}
		})
	}
}

// checkListed fails when an example directory has no entry in expect, or
// an entry has no directory: each example must be run.
func checkListed(t *testing.T) {
	entries, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	dirs := map[string]bool{}
	for _, e := range entries {
		if e.IsDir() {
			dirs[e.Name()] = true
			if expect[e.Name()] == nil {
				t.Errorf("examples/%s has no expected output in expect", e.Name())
			}
		}
	}
	for name := range expect {
		if !dirs[name] {
			t.Errorf("expect lists %s, which is not a directory under examples/", name)
		}
	}
}

// build compiles all examples into a temporary directory, once.
func build(t *testing.T) string {
	goTool, err := exec.LookPath("go")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("go is not on PATH: %v", err)
		}
		t.Skipf("skipping: the go command is not on PATH (%v)", err)
	}
	gomod, err := exec.Command(goTool, "env", "GOMOD").Output()
	if err != nil {
		t.Fatalf("go env GOMOD: %v", err)
	}
	root := filepath.Dir(strings.TrimSpace(string(gomod)))
	dir := t.TempDir()
	cmd := exec.Command(goTool, "build", "-o", dir+string(filepath.Separator), "./examples/...")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build ./examples/...: %v\n%s", err, out)
	}
	return dir
}

// runExample runs one example binary and returns its output; it fails the
// test when the program does not exit 0 within a minute.
func runExample(t *testing.T, path string) string {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, path)
	cmd.WaitDelay = 5 * time.Second // children holding stdout must not hang the test
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		t.Fatalf("still running after 60s\nstdout:\n%s\nstderr:\n%s", stdout.String(), stderr.String())
	}
	if err != nil {
		t.Fatalf("%v\nstdout:\n%s\nstderr:\n%s", err, stdout.String(), stderr.String())
	}
	return stdout.String()
}
