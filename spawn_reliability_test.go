package mproc_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"mproc"
)

var (
	// writeOutput writes n bytes of 'o' to its standard output and n of
	// 'e' to its standard error, in turns: a parent that drained only one
	// stream at a time would leave the child stuck on the other.
	writeOutput = mproc.Register[int, int]("test.writeoutput", func(n int) (int, error) {
		out, errb := bytes.Repeat([]byte{'o'}, 64<<10), bytes.Repeat([]byte{'e'}, 64<<10)
		for left := n; left > 0; left -= len(out) {
			k := min(left, len(out))
			if _, err := os.Stdout.Write(out[:k]); err != nil {
				return 0, err
			}
			if _, err := os.Stderr.Write(errb[:k]); err != nil {
				return 0, err
			}
		}
		return n, nil
	})

	// sayHello prints its argument on a line of its own.
	sayHello = mproc.Register[string, mproc.None]("test.sayhello", func(s string) error {
		_, err := fmt.Println(s)
		return err
	})
)

// burnCPU keeps n goroutines of this process busy until ctx ends: the
// loaded machine under which children start slowly.
func burnCPU(ctx context.Context, n int) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			for ctx.Err() == nil {
				for range 1 << 16 {
				}
			}
		})
	}
	return func() { cancel(); wg.Wait() }
}

// Two hundred children started at once on a loaded machine all start: a
// slow start is not a missing mproc.Main.
func TestConcurrentStartsUnderLoad(t *testing.T) {
	// Not parallel: it loads the machine on purpose.
	ctx := ctxTimeout(t, 4*time.Minute)
	stop := burnCPU(ctx, 2*runtime.NumCPU())
	defer stop()
	const n = 200
	errs := make(chan error, n)
	for i := range n {
		go func() { errs <- startAndCheck(ctx, i) }()
	}
	failed := 0
	for range n {
		if err := <-errs; err != nil {
			if failed++; failed <= 3 {
				t.Error(err)
			}
		}
	}
	if failed > 0 {
		t.Fatalf("%d of %d starts failed", failed, n)
	}
}

func startAndCheck(ctx context.Context, i int) error {
	p, err := echoInt.Start(ctx, i)
	if err != nil {
		return err
	}
	got, err := p.Wait(ctx)
	if err == nil && got != i {
		return fmt.Errorf("child %d returned %d", i, got)
	}
	return err
}

const outputSize = 10 << 20

// A child writing 10 MiB to each stream while the parent only joins: to
// writers that are not files (pipes copied here) and to files (given to the
// child), started fresh or from a warm spare. Join returns with all of it
// copied, and nothing is left open.
func TestOutputOptions(t *testing.T) {
	// Not parallel: spares are process-wide, and it counts descriptors.
	ctx := ctxTimeout(t, 3*time.Minute)
	if _, err := noop.Call(ctx, mproc.None{}); err != nil { // warm up lazily opened fds
		t.Fatal(err)
	}
	before := openFDs(t)
	for _, spares := range []bool{false, true} {
		for _, kind := range []string{"buffer", "file", "same-buffer"} {
			t.Run(fmt.Sprintf("%s/spares=%v", kind, spares), func(t *testing.T) {
				if spares {
					useSpares(t, ctx, 2)
				}
				checkOutput(t, ctx, kind, spares)
			})
		}
	}
	waitFDs(t, ctx, before)
}

// useSpares keeps n warm spares for the rest of the test.
func useSpares(t *testing.T, ctx context.Context, n int) {
	mproc.WarmSpares(n)
	t.Cleanup(func() {
		mproc.WarmSpares(0)
		for _, pid := range spawnChildren() {
			waitGone(t, pid, 30*time.Second)
		}
	})
	if err := mproc.AwaitSpares(ctx); err != nil {
		t.Fatal(err)
	}
}

func checkOutput(t *testing.T, ctx context.Context, kind string, spare bool) {
	stdout, stderr, read := outputWriters(t, kind)
	waiting := spawnChildren()
	p, err := writeOutput.Start(ctx, outputSize, mproc.WithStdout(stdout), mproc.WithStderr(stderr))
	if err != nil {
		t.Fatal(err)
	}
	if spare && !slices.Contains(waiting, p.Pid()) {
		t.Fatalf("pid %d is not one of the spares %v", p.Pid(), waiting)
	}
	if err := p.Join(ctx); err != nil {
		t.Fatal(err)
	}
	if n, err := p.Wait(ctx); err != nil || n != outputSize {
		t.Fatalf("Wait = %d, %v", n, err)
	}
	out, errs := read()
	if kind == "same-buffer" {
		checkBytes(t, "combined output", out, 'o', outputSize)
		checkBytes(t, "combined output", out, 'e', outputSize)
		return
	}
	checkBytes(t, "stdout", out, 'o', outputSize)
	checkBytes(t, "stderr", errs, 'e', outputSize)
}

// outputWriters returns the writers of a kind and a function that reads
// what they got.
func outputWriters(t *testing.T, kind string) (stdout, stderr io.Writer, read func() (out, errs []byte)) {
	switch kind {
	case "buffer":
		var o, e bytes.Buffer
		return &o, &e, func() ([]byte, []byte) { return o.Bytes(), e.Bytes() }
	case "same-buffer":
		var b bytes.Buffer
		return &b, &b, func() ([]byte, []byte) { return b.Bytes(), nil }
	}
	o, e := tempFile(t), tempFile(t)
	return o, e, func() ([]byte, []byte) { return readFile(t, o), readFile(t, e) }
}

func tempFile(t *testing.T) *os.File {
	f, err := os.CreateTemp(t.TempDir(), "out")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func readFile(t *testing.T, f *os.File) []byte {
	b, err := os.ReadFile(f.Name())
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// checkBytes checks that b holds n bytes c and nothing but c and the other
// stream's byte.
func checkBytes(t *testing.T, what string, b []byte, c byte, n int) {
	t.Helper()
	if got := bytes.Count(b, []byte{c}); got != n {
		t.Errorf("%s: %d bytes %q of %d; want %d", what, got, c, len(b), n)
	}
	if strings.Trim(string(b), "oe") != "" {
		t.Errorf("%s holds bytes it should not", what)
	}
}

// waitFDs waits until this process has no more descriptors open than
// want: the last spare's socket is closed by its own goroutine.
func waitFDs(t *testing.T, ctx context.Context, want int) {
	t.Helper()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		got := openFDs(t)
		if got <= want {
			return
		}
		select {
		case <-tick.C:
		case <-ctx.Done():
			t.Fatalf("%d descriptors open, %d before", got, want)
		}
	}
}

// With no output option a child writes to os.Stdout as it is at Start, a
// warm spare too, although it was started when os.Stdout was another file.
func TestDefaultOutputIsStdoutAtStart(t *testing.T) {
	// Not parallel: it swaps os.Stdout, and spares are process-wide.
	ctx := ctxTimeout(t, time.Minute)
	for _, spares := range []bool{false, true} {
		t.Run(fmt.Sprintf("spares=%v", spares), func(t *testing.T) {
			if spares {
				useSpares(t, ctx, 1)
			}
			f := tempFile(t)
			saved := os.Stdout
			os.Stdout = f
			_, err := sayHello.Call(ctx, "hello from the child")
			os.Stdout = saved
			if err != nil {
				t.Fatal(err)
			}
			if got := string(readFile(t, f)); got != "hello from the child\n" {
				t.Fatalf("the file got %q", got)
			}
		})
	}
}

// A pool's workers take process options: their output goes to one buffer
// that all of them share (under -race, a writer written by two copiers at
// once would show), and their start timeout is the one given.
func TestPoolWorkerOptions(t *testing.T) {
	t.Parallel()
	ctx := ctxTimeout(t, 2*time.Minute)
	var buf bytes.Buffer
	pool, err := mproc.NewPool(ctx, mproc.WithWorkers(2),
		mproc.WithWorkerOptions(mproc.WithStdout(&buf), mproc.WithStartTimeout(30*time.Second)),
		mproc.WithWorkerOptions(mproc.WithStderr(&buf)))
	if err != nil {
		t.Fatal(err)
	}
	const n = 200
	words := make([]string, n)
	for i := range words {
		words[i] = fmt.Sprintf("task %d", i)
	}
	if _, err := sayHello.Map(ctx, pool, words); err != nil {
		t.Fatal(err)
	}
	if err := pool.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	slices.Sort(lines)
	slices.Sort(words)
	if !slices.Equal(lines, words) {
		t.Fatalf("the workers printed %d lines, want %d:\n%s", len(lines), n, buf.String())
	}
}

// The start timeout tells a child without mproc.Main from a slow one: a
// pool worker that reaches Main two seconds late fails with ErrNoMain under
// a worker start timeout shorter than that and starts under a longer one,
// and a child that never calls Main is still found out on a loaded machine.
func TestStartTimeoutRule(t *testing.T) {
	// Not parallel: one case loads the machine on purpose.
	bin := buildHelper(t)
	ctx := ctxTimeout(t, 2*time.Minute)
	run := func(t *testing.T, late string, args ...string) map[string]string {
		cmd := exec.CommandContext(ctx, bin, args...)
		cmd.Env = append(os.Environ(), "NOMAIN_LATE="+late)
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("helper: %v\n%s", err, out)
		}
		return helperFields(string(out))
	}
	t.Run("late-short", func(t *testing.T) {
		if f := run(t, "2s", "pool", "200ms"); !strings.Contains(f["ERR"], mproc.ErrNoMain.Error()) {
			t.Fatalf("a worker 2s late to Main, timeout 200ms: %q", f["ERR"])
		}
	})
	t.Run("late-long", func(t *testing.T) {
		if f := run(t, "2s", "pool", "30s"); f["ERR"] != "<nil>" {
			t.Fatalf("a worker 2s late to Main, timeout 30s: %q", f["ERR"])
		}
	})
	t.Run("no-main-loaded", func(t *testing.T) {
		stop := burnCPU(ctx, 2*runtime.NumCPU())
		defer stop()
		f := run(t, "", "parent")
		if !strings.Contains(f["ERR"], mproc.ErrNoMain.Error()) || !strings.Contains(f["ERR"], "add mproc.Main() as the first line of main") {
			t.Fatalf("Start error = %q", f["ERR"])
		}
		if child, _ := strconv.Atoi(f["CHILD"]); child <= 0 || running(child) {
			t.Fatalf("the child %d that never called mproc.Main is still running", child)
		}
	})
}
