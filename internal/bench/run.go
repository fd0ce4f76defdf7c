package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"
)

// Config says what Run measures and prints.
type Config struct {
	Groups      []string // groups to run, in order; none for all
	JSON        bool     // JSON lines instead of a table
	Python      string   // path of python_ref.py to run and compare with; "" for none
	Interpreter string   // what runs Python; DefaultPython when empty
	Stdout      io.Writer
	Stderr      io.Writer // progress notes
	// Limits adds the limits group when Groups leaves it out. It always
	// runs first, so that every row after it is held against the limits.
	Limits bool
	// Progress, if set, is called after each group, with the groups done
	// (or failed) and their number: the command draws a bar with it.
	Progress func(done, total int)
	// Chart, if set, gets an SVG chart of the ratios against CPython and
	// their goals (see WriteChart).
	Chart io.Writer
}

// Run measures the groups, then runs the CPython reference on the same
// groups when c.Python is set, and prints the results to c.Stdout: a table,
// or with c.JSON one JSON line per Go result, then CPython's lines as it
// printed them, then one "ratio:<name>" line per comparison. A group or
// CPython failing does not stop the rest: what was measured is printed and
// the failures come back joined in the error.
func Run(ctx context.Context, c Config) error {
	if c.Stdout == nil {
		c.Stdout = os.Stdout
	}
	if c.Stderr == nil {
		c.Stderr = os.Stderr
	}
	groups, err := Select(c.Groups)
	if err != nil {
		return err
	}
	groups, err = limitsFirst(groups, c.Limits)
	if err != nil {
		return err
	}
	if len(groups) == 0 {
		return errors.New("no benchmark groups are registered")
	}
	scale, err := ScaleFromEnv()
	if err != nil {
		return err
	}
	ctx = context.WithValue(ctx, logKey{}, c.Stderr)
	interp := c.Interpreter
	if interp == "" {
		interp = DefaultPython
	}
	if c.Python != "" {
		ctx = context.WithValue(ctx, pythonKey{}, pythonRef{Interp: interp, Script: c.Python})
	}

	var goResults []Result
	var errs []error
	limits := map[string]Result{}
	for i, g := range groups {
		if ctx.Err() != nil {
			break
		}
		fmt.Fprintf(c.Stderr, "bench: running %s (%s=%v)\n", g.Name, EnvScale, scale)
		start := time.Now()
		res, err := runGroup(ctx, g, scale)
		if err != nil {
			fmt.Fprintf(c.Stderr, "bench: %s failed after %v\n", g.Name, time.Since(start).Round(time.Millisecond))
			errs = append(errs, fmt.Errorf("group %s: %w", g.Name, err))
			c.progress(i+1, len(groups))
			continue
		}
		for i, r := range res {
			if g.Name == LimitsGroup {
				limits[r.Name] = r
			}
			r = holdAgainst(r, limits)
			res[i] = r
			fmt.Fprintf(c.Stderr, "bench: %s = %s %s (n=%d)\n", r.Name, FormatValue(r.Value), r.Unit, r.N)
			if c.JSON {
				fmt.Fprintln(c.Stdout, r.JSONLine())
			}
		}
		fmt.Fprintf(c.Stderr, "bench: %s done in %v\n", g.Name, time.Since(start).Round(time.Millisecond))
		goResults = append(goResults, res...)
		c.progress(i+1, len(groups))
	}

	var pyLines []PythonLine
	var names []string // the python_ref.py workloads to run
	for _, g := range groups {
		if w := g.pythonWorkload(); w != "" && !slices.Contains(names, w) {
			names = append(names, w)
		}
	}
	if c.Python != "" && ctx.Err() == nil && len(names) > 0 {
		fmt.Fprintf(c.Stderr, "bench: running CPython: %s %s %s\n", interp, c.Python, strings.Join(names, " "))
		start := time.Now()
		var perr error
		pyLines, perr = RunPython(ctx, interp, c.Python, names, c.Stderr)
		if perr != nil {
			errs = append(errs, fmt.Errorf("CPython reference failed: %w", perr))
		} else {
			fmt.Fprintf(c.Stderr, "bench: CPython done in %v\n", time.Since(start).Round(time.Millisecond))
		}
	}

	pyResults := make([]Result, len(pyLines))
	for i, l := range pyLines {
		pyResults[i] = l.Result
	}
	rows := Compare(goResults, pyResults)
	if c.Chart != nil {
		if err := WriteChart(c.Chart, rows); err != nil {
			errs = append(errs, fmt.Errorf("the chart: %w", err))
		}
	}
	if c.JSON {
		for _, l := range pyLines {
			fmt.Fprintln(c.Stdout, l.Text)
		}
		for _, r := range RatioResults(rows) {
			fmt.Fprintln(c.Stdout, r.JSONLine())
		}
	} else if len(rows) > 0 {
		compared := map[string]bool{}
		for _, r := range rows {
			compared[r.Compared] = true
		}
		var other []Result
		for _, p := range pyResults {
			if !compared[p.Name] {
				other = append(other, p)
			}
		}
		if err := WriteTable(c.Stdout, rows, len(pyLines) > 0, other); err != nil {
			errs = append(errs, err)
		}
	}
	if ctx.Err() != nil {
		errs = append(errs, ctx.Err())
	}
	return errors.Join(errs...)
}

// limitsFirst moves the limits group to the front, adding it when add is
// set and it is not there.
func limitsFirst(groups []Group, add bool) ([]Group, error) {
	i := slices.IndexFunc(groups, func(g Group) bool { return g.Name == LimitsGroup })
	if i < 0 {
		if !add {
			return groups, nil
		}
		l, err := Select([]string{LimitsGroup})
		if err != nil {
			return nil, err
		}
		return append(l, groups...), nil
	}
	out := append([]Group{groups[i]}, groups[:i]...)
	return append(out, groups[i+1:]...), nil
}

func (c Config) progress(done, total int) {
	if c.Progress != nil {
		c.Progress(done, total)
	}
}

// runGroup runs g, turning a panic into an error, and checks that it
// reported its metrics.
func runGroup(ctx context.Context, g Group, scale float64) (res []Result, err error) {
	defer func() {
		if v := recover(); v != nil {
			res, err = nil, fmt.Errorf("panic: %v", v)
		}
	}()
	res, err = g.Run(ctx, scale)
	if err != nil {
		return nil, err
	}
	if err := checkResults(g, res); err != nil {
		return nil, err
	}
	return res, nil
}

// checkResults checks that res are g's metrics in order, with only
// optional ones left out.
func checkResults(g Group, res []Result) error {
	i := 0
	for _, m := range g.Metrics {
		if i < len(res) && res[i].Name == m.Name {
			if res[i].Unit != m.Unit {
				return fmt.Errorf("result %d is %s (%s), want the unit %s", i, res[i].Name, res[i].Unit, m.Unit)
			}
			i++
			continue
		}
		if !m.Optional {
			if i < len(res) {
				return fmt.Errorf("result %d is %s (%s), want metric %s (%s)", i, res[i].Name, res[i].Unit, m.Name, m.Unit)
			}
			return fmt.Errorf("reported %d results; metric %s (%s) is missing", len(res), m.Name, m.Unit)
		}
	}
	if i < len(res) {
		return fmt.Errorf("result %d, %s (%s), is not a metric of the group, or out of order", i, res[i].Name, res[i].Unit)
	}
	return nil
}

type pythonKey struct{}

// pythonRef is what Run was told to compare with: the interpreter and the
// path of python_ref.py, beside which the other CPython scripts lie.
type pythonRef struct {
	Interp string
	Script string
}

// pythonFrom returns the CPython reference Run compares with, if any.
func pythonFrom(ctx context.Context) (pythonRef, bool) {
	p, ok := ctx.Value(pythonKey{}).(pythonRef)
	return p, ok
}

type logKey struct{}

// logf writes a progress note from inside a group to Run's Stderr.
func logf(ctx context.Context, format string, args ...any) {
	if w, ok := ctx.Value(logKey{}).(io.Writer); ok {
		fmt.Fprintf(w, "bench: "+format+"\n", args...)
	}
}
