package mproc_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"mproc"
)

// The pool's insights, taken from pools of real worker processes.

func TestPoolInsights(t *testing.T) {
	ptArea(t)

	t.Run("tasks add up and busy time is the tasks'", func(t *testing.T) {
		t.Parallel()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		p := ptPool(t, ctx, mproc.WithWorkers(2))
		if _, err := ptSquare.Map(ctx, p, ptRange(100), mproc.WithChunk(1)); err != nil {
			t.Fatal(err)
		}
		const spin = 30 * time.Millisecond
		if _, err := relSpin.Apply(ctx, p, spin); err != nil {
			t.Fatal(err)
		}
		if _, err := ptFail.Apply(ctx, p, "on purpose"); err == nil {
			t.Fatal("ptFail did not fail")
		}
		in := p.Insights()
		if in.Tasks != 102 || in.Failed != 1 || in.Running != 0 || in.Queued != 0 {
			t.Errorf("tasks %d failed %d running %d queued %d, want 102, 1, 0, 0", in.Tasks, in.Failed, in.Running, in.Queued)
		}
		if in.TaskTime.Count != 102 || in.QueueWait.Count != 102 {
			t.Errorf("task time over %d tasks, queue wait over %d, want 102 each", in.TaskTime.Count, in.QueueWait.Count)
		}
		if in.TaskTime.Max < spin || in.TaskTime.Max > 10*time.Second {
			t.Errorf("longest task %v, want the spin's %v or a little more", in.TaskTime.Max, spin)
		}
		if len(in.Workers) != 2 {
			t.Fatalf("%d workers, want 2: %+v", len(in.Workers), in.Workers)
		}
		sum := 0
		var busy time.Duration
		for _, w := range in.Workers {
			sum += w.Tasks
			busy += w.Busy
			if w.Pid <= 0 || w.Reason != "" || !w.Ended.IsZero() {
				t.Errorf("live worker %+v: want a pid, no end", w)
			}
			if w.Startup <= 0 || w.Startup > 20*time.Second {
				t.Errorf("%s start-up %v", w.Name, w.Startup)
			}
			if w.RSS <= 0 || w.PeakRSS < w.RSS {
				t.Errorf("%s RSS %d, peak %d: want a size, the peak at least as big", w.Name, w.RSS, w.PeakRSS)
			}
		}
		if sum != in.Tasks {
			t.Errorf("the workers' tasks add up to %d, the pool says %d", sum, in.Tasks)
		}
		if busy < spin {
			t.Errorf("busy %v in all, less than the %v task", busy, spin)
		}
		if len(in.Restarts) != 0 {
			t.Errorf("restarts %v, want none", in.Restarts)
		}
		s := in.String()
		for _, want := range []string{"102 tasks done (1 failed)", "PoolWorker-1", "PoolWorker-2", strconv.Itoa(in.Workers[0].Pid), "restarts    none", "idle"} {
			if !strings.Contains(s, want) {
				t.Errorf("summary lacks %q:\n%s", want, s)
			}
		}
	})

	t.Run("a crash is a restart with its reason", func(t *testing.T) {
		t.Parallel()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		p := ptPool(t, ctx, mproc.WithWorkers(1))
		_, err := ptExit.Apply(ctx, p, 3)
		var lost *mproc.WorkerLostError
		if !errors.As(err, &lost) {
			t.Fatalf("os.Exit in a task: %v, want a *WorkerLostError", err)
		}
		if _, err := ptSquare.Apply(ctx, p, 3); err != nil {
			t.Fatal(err)
		}
		in := p.Insights()
		if in.Restarts["crash"] != 1 || len(in.Restarts) != 1 {
			t.Errorf("restarts %v, want crash 1", in.Restarts)
		}
		var ended []mproc.WorkerInsight
		for _, w := range in.Workers {
			if w.Reason != "" {
				ended = append(ended, w)
			}
		}
		if len(ended) != 1 || ended[0].Reason != "crash" || ended[0].Pid != lost.Pid || ended[0].Ended.IsZero() || ended[0].Tasks != 0 {
			t.Errorf("ended workers %+v, want pid %d ended by a crash, no task done", ended, lost.Pid)
		}
		if !strings.Contains(in.String(), "ended: crash") || !strings.Contains(in.String(), "restarts    1 (crash 1)") {
			t.Errorf("summary:\n%s", in)
		}
	})

	t.Run("max tasks, max memory and timeouts are restarts too", func(t *testing.T) {
		t.Parallel()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		tasks := ptPool(t, ctx, mproc.WithWorkers(1), mproc.WithMaxTasksPerChild(2))
		for i := range 5 {
			if _, err := ptSquare.Apply(ctx, tasks, i); err != nil {
				t.Fatal(err)
			}
		}
		ptPoll(t, ctx, "two workers retired after 2 tasks", func() bool { return tasks.Insights().Restarts["max tasks"] == 2 })

		mem := ptPool(t, ctx, mproc.WithWorkers(1), mproc.WithMaxMemory(1<<20))
		if _, err := ptAlloc.Apply(ctx, mem, 8); err != nil {
			t.Fatal(err)
		}
		ptPoll(t, ctx, "a worker retired for its memory", func() bool { return mem.Insights().Restarts["max memory"] == 1 })
		if in := mem.Insights(); in.Workers[len(in.Workers)-1].PeakRSS < 8<<20 {
			t.Errorf("the retired worker's peak RSS %d, below the 8 MiB it touched", in.Workers[len(in.Workers)-1].PeakRSS)
		}

		slow := ptPool(t, ctx, mproc.WithWorkers(1), mproc.WithTaskTimeout(20*time.Millisecond), mproc.WithTaskGrace(10*time.Millisecond))
		if _, err := ptStubborn.Apply(ctx, slow, 20*time.Second); !errors.Is(err, mproc.ErrTimeout) {
			t.Fatalf("a task past its timeout: %v", err)
		}
		if in := slow.Insights(); in.Restarts["timeout"] != 1 {
			t.Errorf("restarts %v, want timeout 1", in.Restarts)
		}
	})

	t.Run("an ended pool keeps its insights", func(t *testing.T) {
		t.Parallel()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		p, err := mproc.NewPool(ctx, mproc.WithWorkers(2))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ptSquare.Map(ctx, p, ptRange(10)); err != nil {
			t.Fatal(err)
		}
		if err := p.Shutdown(ctx); err != nil {
			t.Fatal(err)
		}
		in := p.Insights()
		if in.Tasks == 0 || len(in.Workers) != 2 || len(in.Restarts) != 0 {
			t.Fatalf("after Shutdown: %+v", in)
		}
		for _, w := range in.Workers {
			if w.Reason != "closed" || w.RSS != 0 {
				t.Errorf("%s after Shutdown: reason %q RSS %d, want closed and no RSS", w.Name, w.Reason, w.RSS)
			}
		}
	})
}
