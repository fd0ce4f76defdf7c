// Command spawnnet measures mproc's cold start+join from a program that
// imports net, as every server built on mproc does. Built with cgo on, such
// a program is linked dynamically and each child pays the dynamic loader;
// built with CGO_ENABLED=0 (or -tags netgo,osusergo) it stays static. The
// spawn_net benchmark group builds it both ways and runs it.
//
// Usage: spawnnet N
//
// It starts and joins a no-op child N times, then starts one child that
// reads its own VmRSS, then runs and waits for itself N times as a plain
// program that exits at once (SPAWNNET_EXIT=1: the exec, the Go runtime's
// start and every package's initialisation, nothing of mproc's), and
// prints one JSON object: {"n": N, "best_us": ..., "median_us": ...,
// "mean_us": ..., "dynamic": bool, "child_rss_kib": ...,
// "exec_median_us": ...}. The start+join over the exec of the same binary
// is what mproc itself adds.
package main

import (
	"context"
	"debug/elf"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"time"

	"mproc"
)

var noop = mproc.Register[mproc.None, mproc.None]("spawnnet.noop", func() {})

// rss runs in a child and returns the child's VmRSS in KiB, as the bench's
// child_rss does for the mproc command's child.
var rss = mproc.Register[mproc.None, int]("spawnnet.rss", vmRSS)

func vmRSS() (int, error) {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, err
	}
	for line := range strings.Lines(string(b)) {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			return strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(rest), " kB"))
		}
	}
	return 0, errors.New("no VmRSS in /proc/self/status")
}

// loopback uses net, so that the linker keeps the package (and, with cgo,
// its C resolver).
var loopback = net.ParseIP("127.0.0.1")

func main() {
	if os.Getenv("SPAWNNET_EXIT") == "1" {
		return
	}
	mproc.Main()
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: spawnnet N")
		os.Exit(2)
	}
	n, err := strconv.Atoi(os.Args[1])
	if err != nil || n < 1 || !loopback.IsLoopback() {
		fmt.Fprintf(os.Stderr, "spawnnet: N must be a positive integer, not %q\n", os.Args[1])
		os.Exit(2)
	}
	if err := run(n); err != nil {
		fmt.Fprintln(os.Stderr, "spawnnet:", err)
		os.Exit(1)
	}
}

func run(n int) error {
	ctx := context.Background()
	times := make([]float64, 0, n)
	for range n {
		t := time.Now()
		p, err := noop.Start(ctx, mproc.None{})
		if err != nil {
			return err
		}
		if _, err := p.Wait(ctx); err != nil {
			return err
		}
		times = append(times, float64(time.Since(t).Nanoseconds())/1e3)
		p.Close()
	}
	var sum float64
	for _, v := range times {
		sum += v
	}
	slices.Sort(times)
	dynamic, err := dynamicallyLinked()
	if err != nil {
		return err
	}
	kib, err := rss.Call(ctx, mproc.None{})
	if err != nil {
		return err
	}
	execs, err := execSelf(n)
	if err != nil {
		return err
	}
	return json.NewEncoder(os.Stdout).Encode(map[string]any{
		"n": n, "best_us": times[0], "median_us": times[len(times)/2], "mean_us": sum / float64(n), "dynamic": dynamic,
		"child_rss_kib": kib, "exec_median_us": execs[len(execs)/2],
	})
}

// execSelf runs this program n times as one that exits at once, and
// returns the times of each exec and wait, in µs, sorted.
func execSelf(n int) ([]float64, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	times := make([]float64, 0, n)
	for range n {
		cmd := exec.Command(exe)
		cmd.Env = append(os.Environ(), "SPAWNNET_EXIT=1")
		t := time.Now()
		if err := cmd.Run(); err != nil {
			return nil, fmt.Errorf("exec of itself: %w", err)
		}
		times = append(times, float64(time.Since(t).Nanoseconds())/1e3)
	}
	slices.Sort(times)
	return times, nil
}

// dynamicallyLinked says whether this executable asks for a dynamic loader
// (has a PT_INTERP program header).
func dynamicallyLinked() (bool, error) {
	exe, err := os.Executable()
	if err != nil {
		return false, err
	}
	f, err := elf.Open(exe)
	if err != nil {
		return false, err
	}
	defer f.Close()
	return slices.ContainsFunc(f.Progs, func(p *elf.Prog) bool { return p.Type == elf.PT_INTERP }), nil
}
