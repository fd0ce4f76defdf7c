// Command mproc shows mproc at work: a narrated tour of the demos, single
// demos, and benchmarks against CPython's multiprocessing.
//
//	mproc tour [NAME...]
//	mproc demo [NAME]
//	mproc bench [--json] [--limits] [--python PATH] [--chart OUT.svg] [GROUP...]
//	mproc chaos [--duration D] [--runs N] [--json] [CASE...]
//	mproc serve [--model M] [--addr HOST:PORT] [--workers N] [--handler echo|chat]
//	mproc load --addr HOST:PORT [--conns C] [--duration D] [--size B] [--churn] [--json]
//	mproc client HOST:PORT
//	mproc sched --algo NAME [--quantum Q] [--levels Q1,Q2,...] [--boost S] [--json] [--svg OUT] [--compare | --real [--unit D]] FILE
//	mproc top [--addr HOST:PORT] [--workers N] [--duration D]
//	mproc cluster up [--host H] [--port P] [--store DIR]
//	mproc worker --nats URL [--workers N] [--pool NAME]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"strings"
	"syscall"
	"time"

	"mproc"
	"mproc/internal/bench"
	"mproc/internal/chaos"
	"mproc/internal/load"
)

// app is what every command runs with.
type app struct {
	ctx    context.Context
	stdout io.Writer
	stderr io.Writer
}

func main() {
	mproc.Main()
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// Exit statuses besides 0 and 1.
const (
	exitUsage       = 2   // as the flag package uses
	exitInterrupted = 130 // after Ctrl-C or SIGTERM, as shells report a death by SIGINT
)

const usageText = `mproc brings Python's multiprocessing model to Go: registered functions run in
real child processes. This command tours the demos and benchmarks mproc
against CPython.

Usage: mproc <command> [flags] [args]

Commands:
  tour [NAME...]             Run every demo in order, narrated (or the named ones).
  demo [NAME]                Run one demo; without NAME, list the demos.
  bench [--json] [--limits] [--python PATH] [--chart OUT.svg] [GROUP...]
                             Measure mproc on the CPython reference workloads,
                             optionally next to CPython (groups: %s;
                             BENCH_SCALE scales their sizes as in python_ref.py),
                             and chart the ratios against their goals.
  chaos [--duration D] [--runs N] [--json] [CASE...]
                             Kill processes at bad moments, over and over, and
                             count the runs that broke an invariant (cases: %s).
  serve [--model goroutine|goroutine-pool|process|process-pool|prefork]
        [--addr HOST:PORT] [--workers N] [--handler echo|chat]
                             The seeds' TCP echo (or chat) server, until Ctrl-C.
  load --addr HOST:PORT [--conns C] [--duration D] [--size B] [--churn] [--json]
                             Drive an upper-casing echo server and measure it.
  client HOST:PORT           Type lines to an echo server and see its replies.
  sched [--algo NAME] [--quantum Q] [--levels Q1,Q2,...] [--boost S] [--json] [--svg OUT]
        [--compare | --real [--unit D]] FILE
                             Simulate CPU scheduling (fcfs, sjf, srtf, priority,
                             priority-preemptive, rr, mlfq) on a CSV of jobs
                             (name,arrival,burst[,priority]): Gantt chart, times.
                             --real also runs the jobs as processes on one CPU
                             (1 unit = D, 10ms) and measures the same figures.
  cluster up [--host H] [--port P] [--store DIR]
                             Run a NATS server with JetStream here, for a local
                             try of mproc/cluster, until Ctrl-C.
  worker --nats URL [--workers N] [--pool NAME]
                             Join a cluster as a worker: run the pool's tasks
                             (this binary's functions) N at a time, until Ctrl-C.
  top [--addr HOST:PORT] [--workers N] [--duration D]
                             Run a demo pool and serve its live dashboard
                             (workers, throughput, latency, queue, restarts).

Run 'mproc <command> -h' for a command's flags.
`

func usage(w io.Writer) {
	var groups []string
	for _, g := range bench.Groups() {
		if g.OnlyByName {
			g.Name += " (only when named)"
		}
		groups = append(groups, g.Name)
	}
	fmt.Fprintf(w, usageText, strings.Join(groups, ", "), strings.Join(chaos.Names(), ", "))
}

// command is a parsed subcommand, ready to run.
type command interface{ Run(a *app) error }

// parse turns the arguments into a command. Flags and arguments may come in
// any order. A nil command with status 0 means help was printed.
func parse(args []string, stderr io.Writer) (command, int) {
	fs := flag.NewFlagSet("mproc "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cmd command
	var setArgs func([]string) error
	switch args[0] {
	case "tour":
		c := &tourCmd{}
		fs.DurationVar(&c.Timeout, "timeout", 30*time.Second, "how long one demo may run before it is stopped")
		cmd, setArgs = c, c.setArgs
	case "demo":
		c := &demoCmd{}
		fs.DurationVar(&c.Timeout, "timeout", 30*time.Second, "how long the demo may run before it is stopped")
		cmd, setArgs = c, func(a []string) error {
			if len(a) > 1 {
				return errors.New("demo takes one NAME")
			}
			if len(a) == 1 {
				c.Name = a[0]
			}
			return nil
		}
	case "bench":
		c := &benchCmd{}
		fs.BoolVar(&c.JSON, "json", false, `print one JSON line per result ({"name","unit","value","n"}), as python_ref.py does, instead of a table`)
		fs.StringVar(&c.Python, "python", "", "then run the CPython reference script at `PATH` (python3 PATH GROUP...) on the same groups and compare")
		fs.BoolVar(&c.Limits, "limits", false, `first measure the machine's limits (the "limits" group, part of a full run) and show each row as a fraction of the limit that bounds it`)
		fs.StringVar(&c.Chart, "chart", "", "with --python, also draw the ratios against CPython and their goals as an SVG chart in `OUT.svg`")
		cmd, setArgs = c, func(a []string) error { c.Groups = a; return nil }
	case "chaos":
		c := &chaosCmd{}
		fs.DurationVar(&c.Duration, "duration", 0, "and repeat each case until it has run this long")
		fs.IntVar(&c.Runs, "runs", 10, "run each case at least `N` times")
		fs.BoolVar(&c.JSON, "json", false, `print one JSON line per case ({"case","runs","failures","worst_ns","errors"}) instead of a table`)
		cmd, setArgs = c, func(a []string) error { c.Cases = a; return nil }
	case "serve":
		c := &serveCmd{}
		c.flags(fs)
		cmd, setArgs = c, noArgs
	case "load":
		c := &loadCmd{}
		fs.StringVar(&c.Addr, "addr", "", "the echo server's `HOST:PORT`")
		fs.IntVar(&c.Conns, "conns", load.DefaultConns, "clients at once")
		fs.DurationVar(&c.Duration, "duration", load.DefaultDuration, "how long to run")
		fs.IntVar(&c.Size, "size", load.DefaultSize, "bytes per message")
		fs.BoolVar(&c.Churn, "churn", false, "a new connection for every request")
		fs.BoolVar(&c.JSON, "json", false, `print one JSON line per figure ({"name","unit","value","n"}) instead of a table`)
		cmd, setArgs = c, noArgs
	case "client":
		c := &clientCmd{In: os.Stdin}
		cmd, setArgs = c, func(a []string) error {
			if len(a) != 1 {
				return errors.New("client takes one HOST:PORT")
			}
			c.Addr = a[0]
			return nil
		}
	case "top":
		c := &topCmd{}
		fs.StringVar(&c.Addr, "addr", "127.0.0.1:8080", "serve the dashboard on `HOST:PORT`")
		fs.IntVar(&c.Workers, "workers", 2, "the demo pool's workers")
		fs.DurationVar(&c.Duration, "duration", 0, "stop after this long (default: at Ctrl-C)")
		cmd, setArgs = c, noArgs
	case "sched":
		c := &schedCmd{}
		c.flags(fs)
		cmd, setArgs = c, c.setArgs
	case "cluster":
		c := &clusterCmd{}
		fs.StringVar(&c.Host, "host", "127.0.0.1", "listen on `HOST` (0.0.0.0: every interface, for workers on other machines)")
		fs.IntVar(&c.Port, "port", 4222, "listen on `PORT` (-1: any free port)")
		fs.StringVar(&c.Store, "store", "", "keep JetStream's data in `DIR` (default: a temporary directory, removed at exit)")
		cmd, setArgs = c, func(a []string) error {
			if len(a) != 1 || a[0] != "up" {
				return errors.New("cluster takes one subcommand: up")
			}
			return nil
		}
	case "worker":
		c := &workerCmd{}
		fs.StringVar(&c.NATS, "nats", "", "the NATS server's `URL` (nats://host:4222; a comma-separated list for a NATS cluster)")
		fs.IntVar(&c.Workers, "workers", runtime.NumCPU(), "run `N` tasks at a time, each in a worker process")
		fs.StringVar(&c.Pool, "pool", "default", "the pool to serve")
		cmd, setArgs = c, noArgs
	default:
		fmt.Fprintf(stderr, "mproc: error: unknown command %q\n\n", args[0])
		usage(stderr)
		return nil, exitUsage
	}
	positional, err := parseInterspersed(fs, args[1:])
	if errors.Is(err, flag.ErrHelp) {
		return nil, 0
	}
	if err == nil {
		err = setArgs(positional)
	}
	if err != nil {
		fmt.Fprintf(stderr, "mproc %s: error: %v\n", args[0], err)
		return nil, exitUsage
	}
	return cmd, 0
}

// parseInterspersed parses flags wherever they stand among the arguments
// (the flag package alone stops at the first argument).
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return positional, nil
		}
		positional = append(positional, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

func noArgs(a []string) error {
	if len(a) > 0 {
		return fmt.Errorf("unexpected arguments %q", a)
	}
	return nil
}

// run parses args, runs the command and ends this process's children; it
// returns the exit status.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stderr)
		return exitUsage
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		usage(stdout)
		return 0
	}
	cmd, code := parse(args, stderr)
	if cmd == nil {
		return code
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		stop() // a second Ctrl-C ends the command at once
	}()
	err := cmd.Run(&app{ctx: ctx, stdout: stdout, stderr: stderr})
	shutdown(stderr)
	switch {
	case ctx.Err() != nil:
		fmt.Fprintln(stderr, "mproc: interrupted")
		return exitInterrupted
	case err != nil:
		fmt.Fprintf(stderr, "mproc: %s\n", indentRest(err.Error()))
		return 1
	}
	return 0
}

// shutdownTimeout bounds how long exit waits for children to end by
// themselves before they are terminated.
const shutdownTimeout = 10 * time.Second

// shutdown ends this process's children: mproc.Shutdown, and when children
// are still running after shutdownTimeout, Terminate and then Kill them so
// that none outlives the command.
func shutdown(stderr io.Writer) {
	ctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	if mproc.Shutdown(ctx) == nil {
		return
	}
	left := mproc.ActiveChildren()
	fmt.Fprintf(stderr, "mproc: %d child process(es) still running after %v; terminating them\n", len(left), shutdownTimeout)
	for _, p := range left {
		p.Terminate()
	}
	end := func(d time.Duration) {
		ctx, cancel := context.WithTimeout(context.Background(), d)
		defer cancel()
		for _, p := range left {
			p.Join(ctx)
		}
	}
	end(3 * time.Second) // a terminated child's grace (1 s), and time to exit
	for _, p := range left {
		if alive, _ := p.IsAlive(); alive {
			p.Kill()
		}
	}
	end(2 * time.Second)
}

// indentRest indents every line of a multi-line message after the first.
func indentRest(s string) string {
	return strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n  ")
}
