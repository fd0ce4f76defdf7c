package bench

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"time"

	"mproc/internal/load"
)

// The servers groups start each server under test in turn (echoServers:
// CPython's models, the bare Go server that is the limit, mproc's) and
// drive it with internal/load, in rounds that interleave the servers,
// keeping each server's best round: the machine is small and shared, and
// one run's figures swing.
//
// Rows are named <scenario>_<server>_<figure>; a Go server also gets
// <scenario>_<server>_vs_<CPython server> (how many times better, "x"),
// and an mproc server <scenario>_<server>_of_limit (its fraction of the
// bare Go server's figure); a pool's also <scenario>_<server>_of_<bound>,
// its fraction of the bare server serving as many clients at a time.

// loadScenario is one way of driving the servers.
type loadScenario struct {
	group, prefix string
	conns         int // whatever BENCH_SCALE: the scenario is its count
	churn         bool
	duration      time.Duration // of one round, at BENCH_SCALE=1
	rounds        int
	figures       []figure // the first is the one compared
}

// figure is one number a scenario reports per server.
type figure struct {
	suffix, unit string
	value        func(load.Result) float64
}

var (
	figRate = figure{"rps", "req/s", load.Result.RequestsPerSecond}
	figP50  = figure{"p50", "us/op", func(r load.Result) float64 { return us(r.P50) }}
	figP99  = figure{"p99", "us/op", func(r load.Result) float64 { return us(r.P99) }}
	// figAnswered is the share of clients answered within the run.
	figAnswered = figure{"answered", "%", func(r load.Result) float64 { return 100 * float64(r.Answered) / float64(r.Conns) }}
)

func us(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1e3 }

const messageSize = 64

var loadScenarios = []loadScenario{
	{group: "servers_50", prefix: "echo50", conns: 50, duration: time.Second, rounds: 2, figures: []figure{figRate, figP50, figP99}},
	{group: "servers_1000", prefix: "echo1000", conns: 1000, duration: 5 * time.Second, rounds: 2, figures: []figure{figAnswered, figRate, figP99}},
	{group: "servers_churn", prefix: "echochurn", conns: 8, churn: true, duration: time.Second, rounds: 2, figures: []figure{figRate, figP99}},
}

func init() {
	for _, sc := range loadScenarios {
		var figs []metricFig
		for _, f := range sc.figures {
			figs = append(figs, metricFig{f.suffix, f.unit})
		}
		Register(Group{Name: sc.group, Metrics: serverMetrics(echoServers, sc.prefix, figs), Run: sc.run})
	}
}

type metricFig struct{ suffix, unit string }

// serverMetrics lists a servers group's metrics: each server's figures,
// then the ratios of the first figure. CPython's rows are optional (no
// CPython, no gevent), and so are the ratios against them.
func serverMetrics(servers []echoServer, prefix string, figs []metricFig) []Metric {
	var ms []Metric
	for _, s := range servers {
		for _, f := range figs {
			ms = append(ms, Metric{Name: rowName(prefix, s.name, f.suffix), Unit: f.unit, Optional: s.python != ""})
		}
	}
	for _, s := range servers {
		if s.python != "" {
			continue
		}
		if s.versus != "" {
			ms = append(ms, Metric{Name: rowName(prefix, s.name, "vs_"+s.versus), Unit: "x", Optional: true})
		}
		if !s.limit {
			ms = append(ms, Metric{Name: rowName(prefix, s.name, "of_limit"), Unit: "x"})
		}
		if s.bound != "" && slices.ContainsFunc(servers, func(b echoServer) bool { return b.name == s.bound }) {
			ms = append(ms, Metric{Name: rowName(prefix, s.name, "of_"+s.bound), Unit: "x", Optional: true})
		}
	}
	return ms
}

func rowName(prefix, server, suffix string) string { return prefix + "_" + server + "_" + suffix }

// scaledDuration is d at the scale, at least 50 ms: BENCH_SCALE scales
// the rounds' length, not the number of clients, which is the scenario.
func scaledDuration(d time.Duration, scale float64) time.Duration {
	return max(time.Duration(float64(d)*scale), 50*time.Millisecond)
}

// run drives every server, round after round, and reports the best round
// of each.
func (sc loadScenario) run(ctx context.Context, scale float64) ([]Result, error) {
	conns := sc.conns
	// At a tiny scale a round still lets every client dial: 1,000 dials
	// took more than the 50 ms floor on a loaded machine under the race
	// detector, and none was answered.
	d := max(scaledDuration(sc.duration, scale), time.Duration(conns)*250*time.Microsecond)
	if _, err := raiseNoFile(ctx, conns+64); err != nil {
		return nil, err
	}
	ctx, done := withEchoProgram(ctx, sc.group)
	defer done()
	best := map[string]load.Result{}
	skipped := map[string]bool{}
	key := sc.figures[0].value
	for round := range sc.rounds {
		for _, s := range echoServers {
			if skipped[s.name] {
				continue
			}
			res, err := sc.drive(ctx, s, conns, d)
			if errors.Is(err, errSkipped) {
				skipped[s.name] = true
				logf(ctx, "%s: %s skipped: %v", sc.group, s.name, err)
				continue
			}
			if err != nil {
				return nil, fmt.Errorf("%s: %w", s.name, err)
			}
			note := ""
			if res.Errors > 0 {
				note = fmt.Sprintf(", %d errors, the first: %v", res.Errors, res.FirstError)
			}
			logf(ctx, "%s round %d: %s %.0f req/s, p50 %v, p99 %v, answered %d of %d%s", sc.group, round+1, s.name,
				res.RequestsPerSecond(), res.P50, res.P99, res.Answered, res.Conns, note)
			if b, ok := best[s.name]; !ok || better(key(res), key(b), res, b) {
				best[s.name] = res
			}
		}
	}
	values := map[string]float64{}
	var out []Result
	for _, s := range echoServers {
		r, ok := best[s.name]
		if !ok {
			continue
		}
		for _, f := range sc.figures {
			v := f.value(r)
			out = append(out, Result{Name: rowName(sc.prefix, s.name, f.suffix), Unit: f.unit, Value: v, N: int(r.Requests)})
		}
		values[s.name] = key(r)
	}
	hb, _ := HigherIsBetter(sc.figures[0].unit)
	return append(out, ratioRows(sc.prefix, values, hb, conns)...), nil
}

// better says whether a round's key figure a beats b's; on a tie (all
// answered, say) the faster round wins.
func better(a, b float64, ra, rb load.Result) bool {
	if a != b {
		return a > b
	}
	return ra.RequestsPerSecond() > rb.RequestsPerSecond()
}

// drive starts s, runs the load against it and stops it.
func (sc loadScenario) drive(ctx context.Context, s echoServer, conns int, d time.Duration) (load.Result, error) {
	rs, err := s.start(ctx)
	if err != nil {
		return load.Result{}, err
	}
	res, lerr := load.Run(ctx, rs.addr, load.WithConns(conns), load.WithDuration(d), load.WithSize(messageSize), load.WithChurn(sc.churn))
	serr := rs.stop()
	if lerr != nil {
		return res, lerr
	}
	if serr != nil {
		return res, fmt.Errorf("stopping: %w", serr)
	}
	return res, nil
}

// ratioRows are the ratios of the Go servers' key figures: against their
// CPython counterpart (how many times better) and, for all but the limit,
// as a fraction of the limit's.
func ratioRows(prefix string, values map[string]float64, higherBetter bool, n int) []Result {
	var limit float64
	var haveLimit bool
	for _, s := range echoServers {
		if s.limit {
			limit, haveLimit = values[s.name]
		}
	}
	var out []Result
	for _, s := range echoServers {
		v, ok := values[s.name]
		if s.python != "" || !ok {
			continue
		}
		if py, ok := values[s.versus]; ok && s.versus != "" {
			r, _ := Ratio(v, py, higherBetter)
			out = append(out, Result{Name: rowName(prefix, s.name, "vs_"+s.versus), Unit: "x", Value: r, N: n})
		}
		if !s.limit && haveLimit {
			r, _ := Ratio(v, limit, higherBetter)
			if math.IsNaN(r) {
				r = 0
			}
			out = append(out, Result{Name: rowName(prefix, s.name, "of_limit"), Unit: "x", Value: r, N: n})
		}
		if b, ok := values[s.bound]; ok && s.bound != "" {
			r, _ := Ratio(v, b, higherBetter)
			if math.IsNaN(r) {
				r = 0
			}
			out = append(out, Result{Name: rowName(prefix, s.name, "of_"+s.bound), Unit: "x", Value: r, N: n})
		}
	}
	return out
}
