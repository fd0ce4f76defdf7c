package bench

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"mproc/internal/bench/probe"
)

// The limits group measures what the machine allows, in the same run as
// the groups, with a minimal Go program on each side (internal/bench/
// limitprobe, built static): the floor of exec and wait, a minimal child's
// RSS, a cross-process ring of 8-byte words with no codec, futex and spin
// ping-pong between two processes, a socketpair round trip, and memcpy.
// Each group's row is then held against the probe that bounds it (see
// limitOf), as a fraction where 1.0 is the limit.
func init() {
	Register(Group{
		Name: LimitsGroup,
		Metrics: []Metric{
			{Name: "limit_exec_wait", Unit: "us/op", Optional: true},
			{Name: "limit_child_rss", Unit: "KiB", Optional: true},
			{Name: "limit_ring_8b", Unit: "msgs/s", Optional: true},
			{Name: "limit_futex_pingpong", Unit: "us/op", Optional: true},
			{Name: "limit_spin_pingpong", Unit: "us/op", Optional: true},
			{Name: "limit_socketpair_roundtrip", Unit: "us/op", Optional: true},
			{Name: "limit_memcpy", Unit: "MB/s"},
		},
		Run: runLimits,
	})
}

// LimitsGroup is the group that measures the limits; a run measures it
// first, so that every later row can be held against them.
const LimitsGroup = "limits"

// limitRounds is how many times each probe runs; the best counts, as the
// noise of a shared machine only ever slows a probe down.
const limitRounds = 3

func runLimits(ctx context.Context, scale float64) ([]Result, error) {
	var out []Result
	bin, err := buildLimitProbe(ctx)
	if err != nil {
		logf(ctx, "limits: the probes needing a second program are left out: %v", err)
	} else {
		defer os.RemoveAll(filepath.Dir(bin))
		probes := []struct {
			name, unit string
			n          int
			run        func(ctx context.Context, bin string, n int) (float64, error)
		}{
			{"limit_exec_wait", "us/op", N(200, scale), execWait},
			{"limit_child_rss", "KiB", 1, func(ctx context.Context, bin string, _ int) (float64, error) { return holdRSS(ctx, bin) }},
			{"limit_ring_8b", "msgs/s", N(5_000_000, scale), ringRate},
			{"limit_futex_pingpong", "us/op", N(50_000, scale), futexPingPong},
			{"limit_spin_pingpong", "us/op", N(500_000, scale), spinPingPong},
			{"limit_socketpair_roundtrip", "us/op", N(50_000, scale), socketRoundTrip},
		}
		for _, p := range probes {
			best, err := bestOf(ctx, p.unit, func() (float64, error) { return p.run(ctx, bin, p.n) })
			if err != nil {
				return out, fmt.Errorf("%s: %w", p.name, err)
			}
			out = append(out, Result{Name: p.name, Unit: p.unit, Value: best, N: p.n})
		}
	}
	n := N(2048, scale)
	best, err := bestOf(ctx, "MB/s", func() (float64, error) { return memcpyRate(n), nil })
	if err != nil {
		return out, err
	}
	return append(out, Result{Name: "limit_memcpy", Unit: "MB/s", Value: best, N: n}), nil
}

// bestOf runs f limitRounds times and keeps the best value for unit.
func bestOf(ctx context.Context, unit string, f func() (float64, error)) (float64, error) {
	higher, _ := HigherIsBetter(unit)
	var best float64
	for i := range limitRounds {
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		v, err := f()
		if err != nil {
			return 0, err
		}
		if i == 0 || (higher && v > best) || (!higher && v < best) {
			best = v
		}
	}
	return best, nil
}

// buildLimitProbe builds limitprobe static into a temporary directory.
func buildLimitProbe(ctx context.Context) (string, error) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		return "", fmt.Errorf("no go tool on PATH to build internal/bench/limitprobe with (%v)", err)
	}
	root, err := moduleRoot(ctx, goTool)
	if err != nil {
		return "", err
	}
	dir, err := os.MkdirTemp("", "mproc-limitprobe-")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "limitprobe")
	if err := goBuild(ctx, goTool, root, buildTags, "0", bin, "./internal/bench/limitprobe"); err != nil {
		os.RemoveAll(dir)
		return "", err
	}
	return bin, nil
}

// execWait is the median of n execs and waits of the probe's "exit" mode,
// in microseconds: the floor under any cold child start.
func execWait(ctx context.Context, bin string, n int) (float64, error) {
	times := make([]time.Duration, 0, n)
	for range n {
		start := time.Now()
		if err := exec.CommandContext(ctx, bin, "exit").Run(); err != nil {
			return 0, err
		}
		times = append(times, time.Since(start))
	}
	return float64(median(times).Nanoseconds()) / 1e3, nil
}

func median(d []time.Duration) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/2]
}

// holdRSS is the VmRSS, in KiB, of a minimal Go child waiting on its stdin.
func holdRSS(ctx context.Context, bin string) (float64, error) {
	cmd := exec.CommandContext(ctx, bin, "hold")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return 0, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return 0, err
	}
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	defer func() { stdin.Close(); _ = cmd.Wait() }()
	if line, err := bufio.NewReader(stdout).ReadString('\n'); err != nil || line != "ready\n" {
		return 0, fmt.Errorf("limitprobe hold said %q: %v", line, err)
	}
	return statusKiB(cmd.Process.Pid, "VmRSS:")
}

// statusKiB reads a "kB" field of /proc/PID/status.
func statusKiB(pid int, field string) (float64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for line := range strings.Lines(string(b)) {
		if rest, ok := strings.CutPrefix(line, field); ok {
			f := strings.Fields(rest)
			if len(f) == 2 && f[1] == "kB" {
				return strconv.ParseFloat(f[0], 64)
			}
		}
	}
	return 0, fmt.Errorf("no %s line in /proc/%d/status", field, pid)
}

// withShared runs the probe in mode over fresh shared memory, once it is
// ready runs parent, and waits for the probe.
func withShared(ctx context.Context, bin, mode string, n int, parent func(mem []byte) (time.Duration, error)) (time.Duration, error) {
	f, mem, err := probe.New()
	if err != nil {
		return 0, err
	}
	defer f.Close()
	defer probe.Unmap(mem)
	cmd := exec.CommandContext(ctx, bin, mode, strconv.Itoa(n))
	cmd.ExtraFiles = []*os.File{f}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	took, err := func() (time.Duration, error) {
		if err := probe.AwaitReady(mem); err != nil {
			return 0, err
		}
		return parent(mem)
	}()
	if err != nil {
		_ = cmd.Process.Kill()
	}
	if werr := cmd.Wait(); err == nil && werr != nil {
		err = fmt.Errorf("limitprobe %s: %w", mode, werr)
	}
	return took, err
}

func ringRate(ctx context.Context, bin string, n int) (float64, error) {
	took, err := withShared(ctx, bin, "ring", n, func(mem []byte) (time.Duration, error) { return probe.Produce(mem, n) })
	if err != nil {
		return 0, err
	}
	return float64(n) / took.Seconds(), nil
}

func futexPingPong(ctx context.Context, bin string, n int) (float64, error) {
	took, err := withShared(ctx, bin, "futex", n, func(mem []byte) (time.Duration, error) { return probe.PingFutex(mem, n) })
	return perOpMicros(took, n), err
}

func spinPingPong(ctx context.Context, bin string, n int) (float64, error) {
	took, err := withShared(ctx, bin, "spin", n, func(mem []byte) (time.Duration, error) { return probe.PingSpin(mem, n) })
	return perOpMicros(took, n), err
}

func socketRoundTrip(ctx context.Context, bin string, n int) (float64, error) {
	fd, child, err := probe.Socketpair()
	if err != nil {
		return 0, err
	}
	cmd := exec.CommandContext(ctx, bin, "echo")
	cmd.ExtraFiles = []*os.File{child}
	cmd.Stderr = os.Stderr
	err = cmd.Start()
	child.Close()
	if err != nil {
		probe.CloseFD(fd)
		return 0, err
	}
	took, err := probe.PingSocket(fd, n)
	probe.CloseFD(fd) // the echo's end of stream
	if werr := cmd.Wait(); err == nil && werr != nil {
		err = fmt.Errorf("limitprobe echo: %w", werr)
	}
	return perOpMicros(took, n), err
}

func perOpMicros(d time.Duration, n int) float64 { return float64(d.Nanoseconds()) / 1e3 / float64(n) }

// memcpyRate copies 1 MiB n times from one buffer into a 32 MiB ring, as a
// queue of 1 MiB items copies into its ring, and returns MB/s (10^6 bytes,
// as queue_large reports).
func memcpyRate(n int) float64 {
	const item, ring = 1 << 20, 32 << 20
	src := make([]byte, item)
	dst := make([]byte, ring)
	for i := range src {
		src[i] = byte(i)
	}
	for off := 0; off < ring; off += item { // fault the pages in first
		copy(dst[off:], src)
	}
	start := time.Now()
	for i := range n {
		copy(dst[(i*item)%ring:], src)
	}
	took := time.Since(start)
	return float64(n) * item / 1e6 / took.Seconds()
}
