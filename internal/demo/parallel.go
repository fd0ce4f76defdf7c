package demo

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"mproc"
)

// The seed's parallel versus concurrent (并行 / 并发), and seed 003's time
// slicing on one core: the same CPU-bound work in N child processes (each
// with a core of its own while there are cores), in N goroutines of one
// child limited to one core (GOMAXPROCS(1): taking turns, concurrent but not
// parallel), and in N goroutines with every core. Each run reports its wall
// time and the CPU time it used; CPU time over wall time is how many cores
// worked at once.

// parallelUnit is the CPU time of one job, about.
const parallelUnit = 30 * time.Millisecond

type parallelArg struct {
	Iters    int // of spin: one job
	N        int // goroutines (parallelGoroutines only)
	MaxProcs int // GOMAXPROCS for them (0: every core)
}

// parallelSpan is what a run reports: when its work began and ended (wall
// clock, so that spans of several processes can be joined) and the CPU
// time its process used meanwhile.
type parallelSpan struct {
	Start, End int64 // UnixNano
	CPU        time.Duration
}

// spin is the work: a loop the compiler cannot drop, with no memory
// traffic, so that cores do not slow each other down.
func spin(iters int) uint64 {
	x := uint64(88172645463325252)
	for range iters {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
	}
	return x
}

var parallelSink atomic.Uint64 // keeps spin's results alive

func keep(x uint64) { parallelSink.Add(x) }

// measure runs work and reports its span and CPU time.
func measure(work func()) parallelSpan {
	cpu0, t0 := processCPU(), time.Now()
	work()
	return parallelSpan{Start: t0.UnixNano(), End: time.Now().UnixNano(), CPU: processCPU() - cpu0}
}

var parallelJob = mproc.Register[parallelArg, parallelSpan]("demo.parallel.job", func(a parallelArg) parallelSpan {
	return measure(func() { keep(spin(a.Iters)) })
})

var parallelGoroutines = mproc.Register[parallelArg, parallelSpan]("demo.parallel.goroutines", func(a parallelArg) parallelSpan {
	if a.MaxProcs > 0 {
		runtime.GOMAXPROCS(a.MaxProcs)
	}
	return measure(func() {
		var wg sync.WaitGroup
		for range a.N {
			wg.Go(func() { keep(spin(a.Iters)) })
		}
		wg.Wait()
	})
})

func init() {
	add(Demo{
		Name:  "parallel",
		Title: "Parallel versus concurrent: N processes on the cores, N goroutines on one core, N goroutines on all",
		Intro: "The seed: parallel (并行) is two runners running at the same time, which takes a CPU each; concurrent " +
			"(并发) is two walkers taking turns on a narrow road, one CPU shared by time slices (seed 003: on one core " +
			"programs run concurrently, by round robin; on several cores, fewer programs than cores run in parallel). " +
			"The same CPU-bound job, about 30 ms of work, runs N times: in N child processes; in N goroutines of one " +
			"child with GOMAXPROCS(1), one core taking turns; and in N goroutines with every core. Watch the wall " +
			"times, and the CPU time over the wall time: how many cores worked at once.",
		Run: stage(runParallel),
	})
}

func runParallel(ctx context.Context, con *console, started *[]*mproc.Process) error {
	iters := calibrateSpin(parallelUnit)
	cores := runtime.NumCPU()
	con.Printf("This machine has %d cores, and a load average of %s (processes wanting a core, over the last\n"+
		"minute; above %d, other programs take turns with ours). One job is %d rounds of xorshift,\n"+
		"about %v of CPU time here.", cores, loadAverage(), cores, iters, parallelUnit)
	con.Printf("Each cell: the wall time of the work (process start-up not counted), the CPU time it used,\n" +
		"and their ratio: how many cores worked at once.\n")
	con.Printf("%-2s  %-31s  %-31s  %s", "N", "N processes (parallel)", "N goroutines, GOMAXPROCS(1)", "N goroutines, every core")
	best := 0.0 // the most cores that worked at once, in a parallel run
	for n := 2; n <= 4; n++ {
		procs, err := parallelProcesses(ctx, started, n, iters)
		if err != nil {
			return err
		}
		one, err := parallelInOne(ctx, started, parallelArg{Iters: iters, N: n, MaxProcs: 1})
		if err != nil {
			return err
		}
		all, err := parallelInOne(ctx, started, parallelArg{Iters: iters, N: n})
		if err != nil {
			return err
		}
		con.Printf("%-2d  %-31s  %-31s  %s", n, cell(procs), cell(one), cell(all))
		best = max(best, procs.ratio(), all.ratio())
	}
	con.Printf("\nOne core takes the N jobs in turns (Go's scheduler slices goroutines every 10 ms, as the\n"+
		"seed's round robin does): the wall time is about the sum, N × %v, and the ratio stays at\n"+
		"1: concurrent, not parallel. Processes, and goroutines given every core, run side by side:\n"+
		"with %d cores, up to %d jobs take about the time of one, and more take turns on the cores.\n"+
		"(On a busy machine other programs take cores too, and the parallel runs lose some of\n"+
		"their lead.) Go needs no processes for parallel work, as CPython does for its GIL: its\n"+
		"goroutines run on every core. Processes are for isolation: a crash ends one child only.",
		parallelUnit, cores, cores)
	if best >= 1.3 {
		con.Printf("This time: the parallel runs had up to ×%.1f cores at once.", best)
	} else {
		con.Printf("This time other programs held the cores: no parallel run had more than ×%.1f cores at\n"+
			"once, so this run shows only concurrency. On an idle machine the first column reads ×%d.", best, min(cores, 2))
	}
	return nil
}

// parallelProcesses runs n jobs in n children and joins their spans.
func parallelProcesses(ctx context.Context, started *[]*mproc.Process, n, iters int) (parallelSpan, error) {
	ps := make([]*mproc.Proc[parallelSpan], n)
	for i := range ps {
		p, err := parallelJob.Start(ctx, parallelArg{Iters: iters})
		if err != nil {
			return parallelSpan{}, err
		}
		*started = append(*started, p.Process)
		ps[i] = p
	}
	var all parallelSpan
	for i, p := range ps {
		s, err := p.Wait(ctx)
		if err != nil {
			return parallelSpan{}, err
		}
		if i == 0 {
			all = s
			continue
		}
		all.Start, all.End, all.CPU = min(all.Start, s.Start), max(all.End, s.End), all.CPU+s.CPU
	}
	return all, nil
}

func parallelInOne(ctx context.Context, started *[]*mproc.Process, a parallelArg) (parallelSpan, error) {
	p, err := parallelGoroutines.Start(ctx, a)
	if err != nil {
		return parallelSpan{}, err
	}
	*started = append(*started, p.Process)
	return p.Wait(ctx)
}

func (s parallelSpan) wall() time.Duration { return time.Duration(s.End - s.Start) }

func (s parallelSpan) ratio() float64 { return float64(s.CPU) / float64(max(s.wall(), 1)) }

// cell spells a span: "wall 51ms  cpu 102ms  ×2.0".
func cell(s parallelSpan) string {
	return fmt.Sprintf("wall %-6s cpu %-6s ×%.1f", s.wall().Round(time.Millisecond), s.CPU.Round(time.Millisecond), s.ratio())
}

// calibrateSpin finds how many rounds of spin take about d of CPU time
// here, timing growing counts on this thread's CPU clock (which other
// programs on a busy machine do not advance) until one takes a fifth of d.
func calibrateSpin(d time.Duration) int {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	n := 1 << 16
	for {
		t0 := threadCPU()
		keep(spin(n))
		if el := threadCPU() - t0; el >= d/5 || n >= 1<<40 {
			return int(float64(n) * float64(d) / float64(max(el, time.Microsecond)))
		}
		n *= 2
	}
}

// loadAverage is the first figure of /proc/loadavg: how many processes
// wanted a core, on average, over the last minute.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	if f := strings.Fields(string(b)); len(f) > 0 {
		return f[0]
	}
	return "?"
}
