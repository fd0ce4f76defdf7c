package cluster_test

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"mproc"
	"mproc/cluster"
	"mproc/internal/testmain"
)

// A worker process SIGKILLed in the middle of a task: another worker
// completes it, and every task of the Map gives exactly one result.
func TestWorkerKilledMidTask(t *testing.T) {
	testmain.NoChildLeft(t)
	ctx := ctxTimeout(t, 90*time.Second)
	s := startNATS(t)
	c := connect(t, ctx, s.url())
	p := newPool(t, ctx, c, "kill", cluster.WithAckWait(2*time.Second), cluster.WithWorkers(2))
	w1 := testmain.StartChild(t, ctx, ServeProc, serveArg{URL: s.url(), Pool: "kill", Workers: 2})
	w2 := testmain.StartChild(t, ctx, ServeProc, serveArg{URL: s.url(), Pool: "kill", Workers: 2})

	dir := t.TempDir()
	const n = 40
	args := make([]holdArg, n)
	want := make([]int, n)
	for i := range args {
		args[i] = holdArg{Dir: dir, X: i, Hold: i == 7}
		want[i] = i * i
	}
	fut := Hold.MapAsync(ctx, p, args, mproc.WithChunk(1))

	// The worker that took task 7 is killed while it runs it.
	holder := waitForFile(t, ctx, filepath.Join(dir, "holder"))
	var killed, other *mproc.Proc[mproc.None]
	switch holder {
	case strconv.Itoa(w1.Pid()):
		killed, other = w1, w2
	case strconv.Itoa(w2.Pid()):
		killed, other = w2, w1
	default:
		t.Fatalf("task 7 was taken by pid %s, not a worker (%d, %d)", holder, w1.Pid(), w2.Pid())
	}
	if err := killed.Kill(); err != nil {
		t.Fatal(err)
	}
	if _, err := killed.Wait(ctx); err == nil {
		t.Fatal("the killed worker ended without an error")
	}
	got, err := fut.Get(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("Map gave %v, want %v", got, want)
	}
	// Task 7 ran twice (the killed delivery and the one that finished);
	// the others once each, unless a worker was slow to acknowledge.
	runs := map[int]int{}
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if f := strings.Split(e.Name(), "-"); f[0] == "ran" {
			x, _ := strconv.Atoi(f[1])
			runs[x]++
		}
	}
	if runs[7] < 2 {
		t.Errorf("task 7 ran %d times; want its first delivery and a second", runs[7])
	}
	for x := range n {
		if runs[x] < 1 {
			t.Errorf("task %d never ran", x)
		}
	}
	// One stored result per task: the results bucket holds n task results.
	kv, err := c.JetStream().KeyValue(ctx, "mproc_results_kill")
	if err != nil {
		t.Fatal(err)
	}
	keys, err := kv.Keys(ctx)
	if err != nil {
		t.Fatal(err)
	}
	results := 0
	for _, k := range keys {
		if strings.Count(k, ".") == 1 {
			results++
		}
	}
	if results != n {
		t.Errorf("the bucket holds %d results for %d tasks: %v", results, n, keys)
	}
	if alive, err := other.IsAlive(); !alive || err != nil {
		t.Errorf("the worker that was not killed ended: %v", err)
	}
}

// A worker of another version is refused with a clear error, and the
// pool's tasks wait for a worker of the right version.
func TestWrongVersionRefused(t *testing.T) {
	testmain.NoChildLeft(t)
	ctx := ctxTimeout(t, 60*time.Second)
	s := startNATS(t)
	c := connect(t, ctx, s.url())

	t.Run("at start", func(t *testing.T) {
		newPool(t, ctx, c, "v-start", cluster.WithVersion("v1"))
		w := testmain.StartChild(t, ctx, ServeProc, serveArg{URL: s.url(), Pool: "v-start", Workers: 1, Version: "v2"})
		_, err := w.Wait(ctx)
		if err == nil || !strings.Contains(err.Error(), `runs version "v1", this worker is "v2"`) {
			t.Fatalf("a v2 worker of a v1 pool: %v", err)
		}
		// In this process, the error matches the sentinel.
		err = cluster.Serve(ctx, c, cluster.WithPool("v-start"), cluster.WithVersion("v3"), cluster.WithWorkers(1))
		var ve *cluster.VersionError
		if !errors.Is(err, cluster.ErrVersionMismatch) || !errors.As(err, &ve) || ve.Tasks != "v1" || ve.Worker != "v3" {
			t.Fatalf("Serve of another version: %v", err)
		}
	})
	t.Run("at the first task", func(t *testing.T) {
		// The worker comes first, before any pool said its version: it
		// refuses the first task it gets, which waits for a right worker.
		w := testmain.StartChild(t, ctx, ServeProc, serveArg{URL: s.url(), Pool: "v-task", Workers: 1, Version: "old"})
		waitForConsumer(t, ctx, c, "MPROC_TASKS_v-task")
		p := newPool(t, ctx, c, "v-task", cluster.WithVersion("new"))
		fut := Square.Submit(ctx, p, 6)
		_, err := w.Wait(ctx)
		if err == nil || !strings.Contains(err.Error(), `runs version "new", this worker is "old"`) {
			t.Fatalf("an old worker given a new task: %v", err)
		}
		if _, _, ok := fut.Result(); ok {
			t.Fatal("the refused task completed")
		}
		testmain.StartChild(t, ctx, ServeProc, serveArg{URL: s.url(), Pool: "v-task", Workers: 1, Version: "new"})
		if got, err := fut.Get(ctx); err != nil || got != 36 {
			t.Fatalf("the task, by a worker of its version: %d, %v", got, err)
		}
	})
}
