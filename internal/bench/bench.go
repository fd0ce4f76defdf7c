// Package bench runs mproc's benchmark workloads, the Go mirrors of
// bench/python/python_ref.py, and compares them with CPython's.
//
// A workload group is one file: it registers its Group in init, with the
// group's name (the key of python_ref.py's WORKLOADS it mirrors), the
// metrics it reports and the CPython result each one is compared with, and a
// Run function that honours BENCH_SCALE through N:
//
//	func init() {
//		Register(Group{
//			Name:    "pipe",
//			Metrics: []Metric{{Name: "pipe_roundtrip_latency", Unit: "us/op", Python: "pipe_roundtrip_latency"}},
//			Run:     runPipe,
//		})
//	}
package bench

import (
	"context"
	"fmt"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// Result is one measured workload, the Go twin of a python_ref.py JSON line.
type Result struct {
	Name  string  `json:"name"`
	Unit  string  `json:"unit"`
	Value float64 `json:"value"`
	N     int     `json:"n"`
	// Limit names the limit_ row this one is held against, and
	// LimitFraction is its value over the limit's, oriented so that 1.0
	// is the limit; both are set only when the run measured that limit.
	Limit         string  `json:"limit,omitempty"`
	LimitFraction float64 `json:"limit_fraction,omitempty"`
}

// Metric declares a result a group reports, and the CPython result (a name
// python_ref.py prints) that it is compared with, if any.
type Metric struct {
	Name   string
	Unit   string
	Python string
	// Optional marks a metric a run may leave out because it needs what a
	// machine may lack (CPython, gevent, the go tool); the group says why
	// in a progress note.
	Optional bool
}

// Group is a set of workloads run together, named like the python_ref.py
// group it mirrors so that both sides can be asked for the same groups.
type Group struct {
	Name    string
	Metrics []Metric // what Run reports, in this order
	// PythonWorkload is the python_ref.py workload whose results Metrics
	// are compared with, when it is not Name. A group that PythonOrder
	// does not list and that names none here has no python_ref.py
	// counterpart, and python_ref.py is not asked for it (the servers
	// groups run CPython's servers themselves).
	PythonWorkload string
	// OnlyByName keeps the group out of a run that names no groups: it
	// is long, or measures something other than mproc against CPython
	// (the portable group builds the mproc command twice).
	OnlyByName bool
	// Run measures the workloads at the given scale (see N); it must
	// return one Result per Metric, in order, leaving out only optional
	// ones.
	Run func(ctx context.Context, scale float64) ([]Result, error)
}

// Comparison pairs a Go result with the CPython result it is measured
// against.
type Comparison struct {
	Go, Python   string
	Unit         string
	HigherBetter bool // a rate (go/python is the ratio), else a cost (python/go)
}

// PythonOrder is the order of python_ref.py's WORKLOADS: groups run in this
// order when none are named. Groups it does not list come after, by name.
var PythonOrder = []string{
	"spawn", "queue_small", "queue_large", "queue_mpmc", "pipe", "lock",
	"lock_contended", "pool_map", "pool_async", "pool_apply", "manager",
	"joinable", "event", "rss",
}

var registry struct {
	sync.Mutex
	groups map[string]Group
}

// Register adds a group; call it from the group file's init. It panics on a
// duplicate name, a metric whose unit has no known direction (see
// HigherIsBetter), or a metric reported by two groups.
func Register(g Group) {
	registry.Lock()
	defer registry.Unlock()
	if registry.groups == nil {
		registry.groups = map[string]Group{}
	}
	if g.Name == "" || g.Run == nil || len(g.Metrics) == 0 {
		panic("bench: Register needs a Name, Metrics and a Run function")
	}
	if _, dup := registry.groups[g.Name]; dup {
		panic("bench: group " + g.Name + " registered twice")
	}
	for _, m := range g.Metrics {
		if _, ok := HigherIsBetter(m.Unit); !ok {
			panic(fmt.Sprintf("bench: metric %s: unit %q is neither a rate (…/s) nor a cost (us/op, ns/op, KiB)", m.Name, m.Unit))
		}
		for _, other := range registry.groups {
			if slices.ContainsFunc(other.Metrics, func(o Metric) bool { return o.Name == m.Name }) {
				panic("bench: metric " + m.Name + " is reported by groups " + other.Name + " and " + g.Name)
			}
		}
	}
	registry.groups[g.Name] = g
}

// Groups returns every registered group, in PythonOrder.
func Groups() []Group {
	registry.Lock()
	defer registry.Unlock()
	out := make([]Group, 0, len(registry.groups))
	for _, g := range registry.groups {
		out = append(out, g)
	}
	slices.SortFunc(out, func(a, b Group) int {
		if oa, ob := order(a.Name), order(b.Name); oa != ob {
			return oa - ob
		}
		return strings.Compare(a.Name, b.Name)
	})
	return out
}

// pythonWorkload is the python_ref.py workload g is compared with, or ""
// for none.
func (g Group) pythonWorkload() string {
	if g.PythonWorkload != "" {
		return g.PythonWorkload
	}
	if slices.Contains(PythonOrder, g.Name) {
		return g.Name
	}
	return ""
}

func order(name string) int {
	if i := slices.Index(PythonOrder, name); i >= 0 {
		return i
	}
	return len(PythonOrder)
}

// Names returns the names of the registered groups, in PythonOrder.
func Names() []string {
	var out []string
	for _, g := range Groups() {
		out = append(out, g.Name)
	}
	return out
}

// Select returns the named groups in the order given (duplicates dropped),
// or, when names is empty, every group but those run only by name. An
// unknown name is an error that lists the known groups.
func Select(names []string) ([]Group, error) {
	all := Groups()
	if len(names) == 0 {
		return slices.DeleteFunc(all, func(g Group) bool { return g.OnlyByName }), nil
	}
	var out []Group
	var unknown []string
	for _, n := range names {
		i := slices.IndexFunc(all, func(g Group) bool { return g.Name == n })
		switch {
		case i < 0:
			unknown = append(unknown, strconv.Quote(n))
		case !slices.ContainsFunc(out, func(g Group) bool { return g.Name == n }):
			out = append(out, all[i])
		}
	}
	if len(unknown) > 0 {
		what := "group"
		if len(unknown) > 1 {
			what = "groups"
		}
		return nil, fmt.Errorf("unknown benchmark %s %s; known groups: %s", what, strings.Join(unknown, ", "), strings.Join(Names(), ", "))
	}
	return out, nil
}

// Comparisons returns the comparison table: every Go metric that has a
// CPython counterpart, in group order.
func Comparisons() []Comparison {
	var out []Comparison
	for _, g := range Groups() {
		for _, m := range g.Metrics {
			if m.Python == "" {
				continue
			}
			hb, _ := HigherIsBetter(m.Unit)
			out = append(out, Comparison{Go: m.Name, Python: m.Python, Unit: m.Unit, HigherBetter: hb})
		}
	}
	return out
}

// HigherIsBetter says which way a unit points: rates ("msgs/s", "MB/s", any
// unit ending in "/s") are better higher; times per operation ("us/op",
// "ns/op") and sizes ("KiB") are better lower; so is a share done ("%",
// the connections answered, say) higher. ok is false for a unit with no
// known direction.
func HigherIsBetter(unit string) (higher, ok bool) {
	switch {
	case strings.HasSuffix(unit, "/s"), unit == "x", unit == "%": // "x": a speed-up; "%": a share done
		return true, true
	case unit == "us/op", unit == "ns/op", unit == "ms/op", unit == "KiB", unit == "MiB":
		return false, true
	}
	return false, false
}

// EnvScale is the environment variable that scales workload sizes, as in
// python_ref.py.
const EnvScale = "BENCH_SCALE"

// ScaleFromEnv reads BENCH_SCALE as python_ref.py does: 1 when unset, and an
// error for a value Python's float() would refuse (or one that is not finite,
// which python_ref.py's int() would refuse later).
func ScaleFromEnv() (float64, error) {
	v, ok := os.LookupEnv(EnvScale)
	if !ok {
		return 1, nil
	}
	s, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	if err != nil || math.IsNaN(s) || math.IsInf(s, 0) {
		return 0, fmt.Errorf("%s=%q is not a finite number", EnvScale, v)
	}
	return s, nil
}

// N is python_ref.py's n_: a workload size x scaled, at least 1
// (max(1, int(x*scale)), truncating toward zero like Python's int).
func N(x int, scale float64) int {
	f := float64(x) * scale
	if !(f >= 1) { // also NaN, and negative values whatever their size
		return 1
	}
	if f >= math.MaxInt64 {
		return math.MaxInt64
	}
	return int(f)
}
