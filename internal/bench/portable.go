package bench

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
)

// The portable group measures what the portable mechanisms (the
// mproc_portable build tag: see README, Platforms) cost on Linux, in one
// run: it builds the mproc command twice with the go tool, with and
// without the tag, both CGO_ENABLED=0 (so they differ in the tag alone),
// and runs `bench --json GROUP` of each, group by group and side by side,
// for portableRounds rounds; each row's best per side counts. Its rows are
// linux_<row> and portable_<row>; a portable_ row is held against its
// linux_ row, as Limit and LimitFraction, oriented so that 1.0 is as fast
// as Linux. It runs only when named: the builds alone take a minute.
func init() {
	var ms []Metric
	for _, r := range portableRows {
		ms = append(ms,
			Metric{Name: linuxPrefix + r.name, Unit: r.unit, Optional: true},
			Metric{Name: portablePrefix + r.name, Unit: r.unit, Optional: true})
	}
	Register(Group{Name: PortableGroup, Metrics: ms, OnlyByName: true, Run: runPortable})
}

// PortableGroup is the portable group's name.
const PortableGroup = "portable"

const (
	linuxPrefix    = "linux_"
	portablePrefix = "portable_"
	portableRounds = 3
)

// portableRows are the rows the group compares, and the groups that
// report them: what waits (the pipe's and event's round trips) and what
// does not (a lock, a queue whose sides both run, a start).
var portableRows = []struct{ group, name, unit string }{
	{"spawn", "process_start_join", "us/op"},
	{"spawn", "process_start_join_cold", "us/op"},
	{"queue_small", "queue_spsc_small_msgs", "msgs/s"},
	{"pipe", "pipe_roundtrip_latency", "us/op"},
	{"lock", "lock_uncontended_acquire_release", "ns/op"},
	{"event", "event_pingpong_roundtrip", "us/op"},
}

// portableSide is one build of the mproc command.
type portableSide struct {
	prefix, tags string
	bin          string
}

func runPortable(ctx context.Context, scale float64) ([]Result, error) {
	if runtime.GOOS != "linux" {
		logf(ctx, "portable skipped: off Linux the portable mechanisms are the only ones")
		return nil, nil
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		logf(ctx, "portable skipped: no go tool on PATH to build the mproc command with (%v)", err)
		return nil, nil
	}
	root, err := moduleRoot(ctx, goTool)
	if err != nil {
		logf(ctx, "portable skipped: %v", err)
		return nil, nil
	}
	dir, err := os.MkdirTemp("", "mproc-portable-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	sides := []portableSide{{prefix: linuxPrefix}, {prefix: portablePrefix, tags: "mproc_portable"}}
	for i := range sides {
		if err := sides[i].build(ctx, goTool, root, dir); err != nil {
			return nil, err
		}
	}
	best := map[string]Result{}
	for round := range portableRounds {
		for _, g := range portableGroups() {
			order := sides
			if round%2 == 1 { // neither side always runs first
				order = []portableSide{sides[1], sides[0]}
			}
			for _, s := range order {
				res, err := s.run(ctx, g, scale)
				if err != nil {
					return nil, err
				}
				for _, r := range res {
					logf(ctx, "portable: round %d, %s%s = %s %s", round+1, s.prefix, r.Name, FormatValue(r.Value), r.Unit)
					keepBest(best, s.prefix, r)
				}
			}
		}
	}
	return portableResults(best)
}

// build builds the mproc command into dir with s's tags.
func (s *portableSide) build(ctx context.Context, goTool, root, dir string) error {
	s.bin = filepath.Join(dir, strings.TrimSuffix(s.prefix, "_"))
	return goBuild(ctx, goTool, root, s.tags, "0", s.bin, "./cmd/mproc")
}

// run runs group in s's binary at scale and returns the rows it printed.
func (s portableSide) run(ctx context.Context, group string, scale float64) ([]Result, error) {
	cmd := exec.CommandContext(ctx, s.bin, "bench", "--json", group)
	cmd.Env = append(os.Environ(), EnvScale+"="+strconv.FormatFloat(scale, 'g', -1, 64))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("%s bench %s: %v\n%s", s.prefix+"mproc", group, err, lastLines(stderr.String(), 10))
	}
	var res []Result
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		r, err := ParseLine(sc.Text())
		if err != nil {
			return nil, fmt.Errorf("%s bench %s: line %q: %w", s.prefix+"mproc", group, sc.Text(), err)
		}
		res = append(res, r)
	}
	return res, nil
}

// portableGroups are the groups of portableRows, in order.
func portableGroups() []string {
	var gs []string
	for _, r := range portableRows {
		if !slices.Contains(gs, r.group) {
			gs = append(gs, r.group)
		}
	}
	return gs
}

// keepBest keeps r, under prefix, in best if it is one of the group's
// rows and better than what best holds for it.
func keepBest(best map[string]Result, prefix string, r Result) {
	if !slices.ContainsFunc(portableRows, func(p struct{ group, name, unit string }) bool { return p.name == r.Name && p.unit == r.Unit }) {
		return
	}
	name := prefix + r.Name
	higher, _ := HigherIsBetter(r.Unit)
	if old, ok := best[name]; ok && (higher && old.Value >= r.Value || !higher && old.Value <= r.Value) {
		return
	}
	r.Name = name
	best[name] = r
}

// portableResults turns the best rows into the group's results: every
// row for both sides (one missing is an error: both binaries ran its
// group), each portable_ row held against its linux_ row.
func portableResults(best map[string]Result) ([]Result, error) {
	var out []Result
	for _, p := range portableRows {
		l, okL := best[linuxPrefix+p.name]
		q, okQ := best[portablePrefix+p.name]
		if !okL || !okQ {
			return nil, fmt.Errorf("the %s group did not report %s on both sides", p.group, p.name)
		}
		higher, _ := HigherIsBetter(p.unit)
		if frac, ok := Ratio(q.Value, l.Value, higher); ok {
			q.Limit, q.LimitFraction = l.Name, frac
		}
		out = append(out, l, q)
	}
	return out, nil
}

// lastLines is the last n lines of s, for an error message.
func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}
