package bench

import (
	"bytes"
	"context"
	"debug/elf"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
)

// The spawn_net group measures what importing net costs each child start:
// with cgo on, a program that imports net is linked dynamically, and every
// exec of it (every cold mproc start) goes through the dynamic loader. It
// builds internal/bench/spawnnet (mproc and net) both ways with the go tool
// and runs each build's start+join loop, next to CPython's spawn start.
func init() {
	Register(Group{
		Name:           "spawn_net",
		PythonWorkload: "spawn",
		Metrics: []Metric{
			{Name: "process_start_join_net_dynamic", Unit: "us/op", Python: "process_start_join_spawn", Optional: true},
			{Name: "process_start_join_net_static", Unit: "us/op", Python: "process_start_join_spawn", Optional: true},
			{Name: "child_rss_net_dynamic", Unit: "KiB", Python: "child_rss_spawn", Optional: true},
			{Name: "child_rss_net_static", Unit: "KiB", Python: "child_rss_spawn", Optional: true},
			{Name: "exec_wait_net_dynamic", Unit: "us/op", Optional: true},
			{Name: "exec_wait_net_static", Unit: "us/op", Optional: true},
		},
		Run: runSpawnNet,
	})
}

// spawnNetRounds is how many times each build runs its loop, interleaved;
// the best median counts.
const spawnNetRounds = 2

func runSpawnNet(ctx context.Context, scale float64) ([]Result, error) {
	logLinkage(ctx)
	n := N(200, scale)
	goTool, err := exec.LookPath("go")
	if err != nil {
		logf(ctx, "spawn_net skipped: no go tool on PATH to build the program with (%v)", err)
		return nil, nil
	}
	root, err := moduleRoot(ctx, goTool)
	if err != nil {
		logf(ctx, "spawn_net skipped: %v", err)
		return nil, nil
	}
	dir, err := os.MkdirTemp("", "mproc-spawnnet-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)

	builds := []struct {
		name, cgo   string
		wantDynamic bool
		bin         string
		best        float64
		ok          bool
		rss         int     // KiB, the least seen
		exec        float64 // the exec and wait of the same binary, median µs, the least seen
	}{
		{name: "process_start_join_net_dynamic", cgo: "1", wantDynamic: true},
		{name: "process_start_join_net_static", cgo: "0"},
	}
	for i := range builds {
		b := &builds[i]
		b.bin = filepath.Join(dir, "spawnnet-cgo"+b.cgo)
		if err := goBuild(ctx, goTool, root, buildTags, b.cgo, b.bin, "./internal/bench/spawnnet"); err != nil {
			if b.wantDynamic { // no C compiler: cgo can't be had here
				logf(ctx, "spawn_net: the cgo build failed, its row is left out: %v", err)
				b.bin = ""
				continue
			}
			return nil, err
		}
		dyn, err := isDynamic(b.bin)
		if err != nil {
			return nil, err
		}
		if dyn != b.wantDynamic {
			logf(ctx, "spawn_net: the CGO_ENABLED=%s build is linked %s, not %s; its row is left out", b.cgo, linkWord(dyn), linkWord(b.wantDynamic))
			b.bin = ""
		}
	}
	for range spawnNetRounds {
		for i := range builds {
			b := &builds[i]
			if b.bin == "" {
				continue
			}
			m, err := runSpawnNetBin(ctx, b.bin, n)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", b.name, err)
			}
			logf(ctx, "spawn_net: %s (%s): median %.0f us, best %.0f us over %d starts", b.name, linkWord(m.Dynamic), m.Median, m.Best, n)
			if !b.ok || m.Median < b.best {
				b.best = m.Median
			}
			if !b.ok || m.ChildRSS < b.rss {
				b.rss = m.ChildRSS
			}
			if !b.ok || m.Exec < b.exec {
				b.exec = m.Exec
			}
			b.ok = true
		}
	}
	var out, rss, execs []Result
	for _, b := range builds {
		if b.ok {
			out = append(out, Result{Name: b.name, Unit: "us/op", Value: b.best, N: n})
			rss = append(rss, Result{Name: strings.Replace(b.name, "process_start_join", "child_rss", 1), Unit: "KiB", Value: float64(b.rss), N: spawnNetRounds})
			execs = append(execs, Result{Name: strings.Replace(b.name, "process_start_join", "exec_wait", 1), Unit: "us/op", Value: b.exec, N: n})
			logf(ctx, "spawn_net: %s: start+join %.0f us against %.0f us for an exec and wait of the same binary", b.name, b.best, b.exec)
		}
	}
	if len(out) == 2 {
		logf(ctx, "spawn_net: dynamic linking costs each cold start %.0f us", out[0].Value-out[1].Value)
	}
	return append(append(out, rss...), execs...), nil
}

type spawnNetOutput struct {
	N       int     `json:"n"`
	Best    float64 `json:"best_us"`
	Median  float64 `json:"median_us"`
	Mean    float64 `json:"mean_us"`
	Dynamic bool    `json:"dynamic"`
	// ChildRSS is a fresh child's VmRSS, read by the child (KiB).
	ChildRSS int     `json:"child_rss_kib"`
	Exec     float64 `json:"exec_median_us"`
}

func runSpawnNetBin(ctx context.Context, bin string, n int) (spawnNetOutput, error) {
	var m spawnNetOutput
	cmd := exec.CommandContext(ctx, bin, strconv.Itoa(n))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return m, fmt.Errorf("%v: %s", err, strings.TrimSpace(stderr.String()))
	}
	if err := json.Unmarshal(out, &m); err != nil {
		return m, fmt.Errorf("output %q: %w", out, err)
	}
	if m.N != n || !(m.Median > 0) || m.ChildRSS <= 0 || !(m.Exec > 0) {
		return m, fmt.Errorf("output %q: want %d starts, a positive median, a child's RSS and an exec's time", out, n)
	}
	return m, nil
}

// moduleRoot finds the mproc module's directory, where spawnnet is built:
// the go tool's module of the working directory, or else the one this
// file was compiled from.
func moduleRoot(ctx context.Context, goTool string) (string, error) {
	var candidates []string
	if out, err := exec.CommandContext(ctx, goTool, "env", "GOMOD").Output(); err == nil {
		if gomod := strings.TrimSpace(string(out)); gomod != "" && gomod != os.DevNull {
			candidates = append(candidates, filepath.Dir(gomod))
		}
	}
	if _, file, _, ok := runtime.Caller(0); ok {
		candidates = append(candidates, filepath.Join(filepath.Dir(file), "..", ".."))
	}
	for _, dir := range candidates {
		b, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil && bytes.HasPrefix(b, []byte("module mproc\n")) {
			if _, err := os.Stat(filepath.Join(dir, "internal", "bench", "spawnnet", "main.go")); err == nil {
				return dir, nil
			}
		}
	}
	return "", errors.New("the mproc source tree is not here to build internal/bench/spawnnet (run from the checkout)")
}

// isDynamic says whether the ELF executable at path asks for a dynamic
// loader (a PT_INTERP program header).
func isDynamic(path string) (bool, error) {
	f, err := elf.Open(path)
	if err != nil {
		return false, err
	}
	defer f.Close()
	return slices.ContainsFunc(f.Progs, func(p *elf.Prog) bool { return p.Type == elf.PT_INTERP }), nil
}

func linkWord(dynamic bool) string {
	if dynamic {
		return "dynamically"
	}
	return "statically"
}

// logLinkage notes how this binary, whose children the spawn groups start,
// is linked: dynamically, each cold start pays the loader.
func logLinkage(ctx context.Context) {
	exe, err := os.Executable()
	if err != nil {
		logf(ctx, "this binary's linkage is unknown: %v", err)
		return
	}
	dyn, err := isDynamic(exe)
	if err != nil {
		logf(ctx, "this binary's linkage is unknown: %v", err)
		return
	}
	note := ""
	if dyn {
		note = " (cgo, with net imported): each child start pays the dynamic loader; CGO_ENABLED=0 or -tags netgo,osusergo keeps it static"
	}
	logf(ctx, "%s is linked %s%s", filepath.Base(exe), linkWord(dyn), note)
}
