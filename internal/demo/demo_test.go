package demo

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"mproc"
)

func TestMain(m *testing.M) {
	mproc.Main()
	// Under -race, a child with more than one thread sleeps a second at exit
	// (ThreadSanitizer's atexit_sleep_ms), which would blur the timings the
	// demos show. Children inherit this.
	if _, set := os.LookupEnv("GORACE"); !set {
		os.Setenv("GORACE", "atexit_sleep_ms=0")
	}
	code := m.Run()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	mproc.Shutdown(ctx)
	cancel()
	os.Exit(code)
}

// run runs the demo called name into a buffer, fails the test on its error,
// and checks that it left no child running and no zombie behind. The checks
// are process-wide, so these tests do not run in parallel with each other.
func run(t *testing.T, name string) string {
	t.Helper()
	d, ok := Find(name)
	if !ok {
		t.Fatalf("no demo %q", name)
	}
	var buf bytes.Buffer
	if d.Prepare != nil { // untimed, as in the tour
		if err := d.Prepare(context.Background(), &buf); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	start := time.Now()
	err := d.Run(context.Background(), &buf)
	took := time.Since(start)
	out := buf.String()
	t.Logf("%s took %v; output:\n%s", name, took.Round(time.Millisecond), out)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if took > 30*time.Second {
		t.Errorf("%s took %v; demos should stay within a few seconds", name, took)
	}
	checkNoChildren(t)
	return out
}

// checkNoChildren checks that no process started by this one is still
// running and that no child of this process is a zombie. Adopted orphans
// (after SetSubreaper) are reaped after a grace of about a second, so
// zombies are given a few seconds to go.
func checkNoChildren(t *testing.T) {
	t.Helper()
	if ps := mproc.ActiveChildren(); len(ps) > 0 {
		t.Errorf("active children left: %v", ps)
	}
	deadline := time.Now().Add(3 * time.Second)
	for {
		z := zombieChildren()
		if len(z) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Errorf("zombie children of this process: %v", z)
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// zombieChildren scans /proc/*/stat for zombies whose parent is this process.
func zombieChildren() []int {
	names, _ := os.ReadDir("/proc")
	var out []int
	for _, n := range names {
		pid, err := strconv.Atoi(n.Name())
		if err != nil {
			continue
		}
		if st, ppid, ok := procStat(pid); ok && st == 'Z' && ppid == os.Getpid() {
			out = append(out, pid)
		}
	}
	return out
}

// lineIndex returns the index of the first line of out containing s.
func lineIndex(t *testing.T, out, s string) int {
	t.Helper()
	for i, l := range strings.Split(out, "\n") {
		if strings.Contains(l, s) {
			return i
		}
	}
	t.Errorf("no line containing %q", s)
	return -1
}

func mustContain(t *testing.T, out string, subs ...string) {
	t.Helper()
	for _, s := range subs {
		if !strings.Contains(out, s) {
			t.Errorf("output lacks %q", s)
		}
	}
}

func TestTourOrder(t *testing.T) {
	var names []string
	for _, d := range All() {
		names = append(names, d.Name)
		if d.Title == "" || d.Intro == "" || d.Run == nil {
			t.Errorf("demo %q is incomplete", d.Name)
		}
	}
	want := []string{"sched", "parallel", "sync-async", "blocking", "hello", "join", "daemon", "isolation", "lifecycle", "endings", "zombie-orphan"}
	if len(names) < len(want) || fmt.Sprint(names[:len(want)]) != fmt.Sprint(want) {
		t.Errorf("tour order %v, want it to start with %v", names, want)
	}
}

func TestHello(t *testing.T) {
	out := run(t, "hello")
	me := strconv.Itoa(os.Getpid())
	mustContain(t, out, "pid "+me, "os.getppid()="+me, "当前bucuo子进程正在执行", "<Process(bucuo, stopped exitcode=0)>")
	ends := regexp.MustCompile(`child (Process-\d+): end`).FindAllStringSubmatch(out, -1)
	if len(ends) != 2 {
		t.Fatalf("want two end lines, got %v", ends)
	}
	starts := regexp.MustCompile(`child (Process-\d+): start`).FindAllString(out, -1)
	if len(starts) != 2 {
		t.Fatalf("want two start lines, got %v", starts)
	}
	if lineIndex(t, out, "main: 我是父进程 (\"I am") > lineIndex(t, out, starts[0]) {
		t.Errorf("without join, the child's start came before the main process's line")
	}
	if n := len(regexp.MustCompile(`子进程id \(child pid\): \d+  父进程id \(parent pid\): `+me+` `).FindAllString(out, -1)); n != 5 {
		t.Errorf("%d children printed their pid with this process as parent, want 5", n)
	}
	for i := range 10 {
		mustContain(t, out, fmt.Sprintf("  child: %d\n", i))
	}
	if !regexp.MustCompile(`Printed in the order \[(\d ){9}\d\]`).MatchString(out) {
		t.Errorf("no print order of the ten children")
	}
	if lineIndex(t, out, ends[1][0]) > lineIndex(t, out, "main: 我是父进程 (after join)") {
		t.Errorf("with join, the main process's line came before the child's end")
	}
}

func TestJoin(t *testing.T) {
	out := run(t, "join")
	m := regexp.MustCompile(`程序花费 \(time spent\): \S+, of which \S+ starting the children; the rest, (\S+),`).FindAllStringSubmatch(out, -1)
	if len(m) != 2 {
		t.Fatalf("want two timings, got %v", m)
	}
	together, err1 := time.ParseDuration(m[0][1])
	inTurn, err2 := time.ParseDuration(m[1][1])
	if err1 != nil || err2 != nil {
		t.Fatalf("timings %q %q: %v %v", m[0][1], m[1][1], err1, err2)
	}
	// Not counting start-up: ≈ the longest (4 steps, 240ms) against ≈ the sum (9 steps, 540ms).
	if together < 216*time.Millisecond || inTurn < 486*time.Millisecond || inTurn-together < 150*time.Millisecond {
		t.Errorf("joined from a list %v, in turn %v (not counting start-up): want ≈240ms vs ≈540ms", together, inTurn)
	}
	if n := strings.Count(out, "我是a ("); n != 18 {
		t.Errorf("%d 我是a lines, want 2×(2+3+4) = 18", n)
	}
	mustContain(t, out, "child is still running: true")
}

func TestDaemon(t *testing.T) {
	out := run(t, "daemon")
	mustContain(t, out,
		"on duty (pid", "daemon=true", "皇帝驾崩啦", "is alive: true", "no longer runs",
		"daemonic processes are not allowed to have children", "errors.Is(err, mproc.ErrDaemonic) = true")
	if strings.Contains(out, "end...... after four seconds") {
		t.Errorf("the daemon guard outlived the emperor")
	}
	// Seed 001's foo (daemon) and bar: when main's code ends, foo is ended
	// and main waits for bar.
	mustContain(t, out, "p1 foo: 123", "p2 bar: 456", "only after bar's end456")
	if lineIndex(t, out, "main: main-------") > lineIndex(t, out, "p2 bar: end456") {
		t.Errorf("bar's end456 came before main-------")
	}
	if i := strings.Index(out, "p1 foo: end123"); i >= 0 && i > strings.Index(out, "main: main-------") {
		t.Errorf("the daemon foo printed end123 after main's code ended")
	}
	if lineIndex(t, out, "皇帝驾崩啦") > lineIndex(t, out, "main: the emperor") {
		t.Errorf("the emperor's death came after the main process saw it gone")
	}
}

func TestIsolation(t *testing.T) {
	out := run(t, "isolation")
	mustContain(t, out, "main: print(number) -> 10", "the child's number is now 100", "-> 110")
	if number != 10 {
		t.Errorf("number = %d in the parent", number)
	}
}

func TestLifecycle(t *testing.T) {
	out := run(t, "lifecycle")
	for _, re := range []string{
		`returns nil\s+<Process\(Process-\d+, initial\)>\s+is_alive=false exitcode=None`,
		`returns nil\s+<Process\(Process-\d+, started\)>\s+is_alive=true\s+exitcode=None`,
		`returns nil\s+<Process\(Process-\d+, stopped exitcode=0\)>\s+is_alive=false exitcode=0`,
		`returns an error\s+<Process\(Process-\d+, stopped exitcode=1\)>`,
		`calls os.Exit\(3\)\s+<Process\(Process-\d+, stopped exitcode=3\)>`,
		`panics\s+<Process\(Process-\d+, stopped exitcode=1\)>`,
		`is terminated\s+<Process\(Process-\d+, stopped exitcode=-15\)>`,
		`is killed\s+<Process\(Process-\d+, stopped exitcode=-9\)>`,
		`is terminated\s+<Process\(Process-\d+, started\)>\s+is_alive=true`,
		`RemoteError from Process-\d+: "余票不足: no tickets left"`,
		`Panicked: "assignment to entry in nil map"`,
		`<Process\(Process-\d+, closed\)>; joining it now fails: mproc: closed`,
		`right after: Process-\d+\.is_alive\(\) = true`,
		`returns an error\s+Process Process-\d+: / 余票不足: no tickets left`,
		`panics\s+Process Process-\d+: / panic: assignment to entry in nil map`,
		`authkey: [0-9a-f]{8}…: inherited, equal: true`,
		`the child's is "童子军-secret"`,
		`the function ran in pid (\d+), this process \(\d+\); the process was never started: <Process\(Process-\d+, initial\)>; p.join\(\) → "mproc: process not started"`,
		`returned after \d+ms: "context deadline exceeded"; the child is alive: true`,
		`terminate\(\); join\(\) → <Process\(Process-\d+, stopped exitcode=-15\)>`,
	} {
		if !regexp.MustCompile(re).MatchString(out) {
			t.Errorf("output does not match %s", re)
		}
	}
	mustContain(t, out, "context cancelled: cleaning up")
	// The children's stderr comes after the tables, never above them.
	if lineIndex(t, out, "What the children wrote") < lineIndex(t, out, "After join:") {
		t.Errorf("the children's stderr came before the tables")
	}
	if strings.Contains(out[:strings.Index(out, "What the children wrote")], "goroutine ") {
		t.Errorf("a child's stack landed among the tables")
	}
	if strings.Count(out, "context cancelled: cleaning up") != 1 {
		t.Errorf("want exactly one clean-up (the terminated child's)")
	}
}

func TestZombieOrphan(t *testing.T) {
	out := run(t, "zombie-orphan")
	me := strconv.Itoa(os.Getpid())
	mustContain(t, out,
		"nobody joins it. It exited and was gone from /proc",
		"ppid "+me, "adopted: its parent is now this process",
		"os.getppid() is now "+me, "orphan Process-", "done, exiting", "no zombie left")
	if _, err := os.Stat("/usr/bin/true"); err == nil {
		mustContain(t, out, "Z (zombie)")
	}
}
