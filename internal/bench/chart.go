package bench

import (
	"errors"
	"fmt"
	"html"
	"io"
	"math"
	"strings"
)

// Goals are the project's goals for the ratios against CPython, by the Go
// metric's name: how many times better mproc is to be (the README's table).
var Goals = map[string]float64{
	"process_start_join":               1.5,
	"child_rss":                        2,
	"lock_uncontended_acquire_release": 2,
	"lock_contended_2proc_increments":  5,
	"event_pingpong_roundtrip":         10,
	"queue_spsc_small_msgs":            30,
	"queue_spsc_1MiB_msgs":             5,
	"queue_mpmc_2x2_small_msgs":        20,
	"pipe_roundtrip_latency":           10,
	"joinable_queue_put_taskdone_join": 20,
	"pool_map_tiny_tasks":              3,
	"pool_apply_async_tasks":           10,
	"pool_apply_roundtrip_latency":     10,
	"manager_dict_set_get_2proc":       10,
}

// ErrNoRatios is WriteChart's error when no row was compared with CPython.
var ErrNoRatios = errors.New("bench: no ratios to chart (run with --python)")

// The chart's geometry, in SVG units.
const (
	chartWidth  = 820
	chartLabelW = 300 // the metric names, left of the plot
	chartRightW = 90  // the ratios' figures, right of the plot
	chartTop    = 56
	chartRowH   = 26
	chartBottom = 40
)

// WriteChart draws the rows compared with CPython as an SVG chart: a bar
// per metric from 1x (even with CPython) to its ratio on a log scale, green
// when it meets its goal, orange when not, blue without one; the goal is a
// dark mark across the bar's row.
func WriteChart(w io.Writer, rows []Row) error {
	var rs []Row
	for _, r := range rows {
		if r.HasRatio && r.Ratio > 0 && !math.IsInf(r.Ratio, 0) {
			rs = append(rs, r)
		}
	}
	if len(rs) == 0 {
		return ErrNoRatios
	}
	lo, hi := 1.0, 1.0
	for _, r := range rs {
		lo, hi = min(lo, r.Ratio), max(hi, r.Ratio)
		if g, ok := Goals[r.Go.Name]; ok {
			hi = max(hi, g)
		}
	}
	lo = math.Pow(10, math.Floor(math.Log10(lo)))
	hi = math.Pow(10, math.Ceil(math.Log10(hi*1.05)))
	plotL, plotR := float64(chartLabelW), float64(chartWidth-chartRightW)
	x := func(v float64) float64 {
		return plotL + (plotR-plotL)*(math.Log10(v)-math.Log10(lo))/(math.Log10(hi)-math.Log10(lo))
	}
	height := chartTop + chartRowH*len(rs) + chartBottom
	plotB := float64(chartTop + chartRowH*len(rs))

	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="12">`+"\n", chartWidth, height, chartWidth, height)
	fmt.Fprintf(&b, `<rect width="100%%" height="100%%" fill="white"/>`+"\n")
	fmt.Fprintf(&b, `<text x="10" y="20" font-size="15" font-weight="bold">mproc against CPython: how many times better (log scale)</text>`+"\n")
	fmt.Fprintf(&b, `<text x="10" y="40" fill="#444">bar: the ratio (green: goal met, orange: not yet, blue: no goal); black mark: the goal; grey line: even with CPython</text>`+"\n")
	for v := lo; v <= hi*1.001; v *= 10 { // decades, with 2x and 5x between
		for _, m := range []float64{1, 2, 5} {
			t := v * m
			if t > hi*1.001 {
				break
			}
			fmt.Fprintf(&b, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%.1f" stroke="#ddd"/>`+"\n", x(t), chartTop, x(t), plotB)
			fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="middle" fill="#666">%sx</text>`+"\n", x(t), plotB+16, FormatValue(t))
		}
	}
	for i, r := range rs {
		y := float64(chartTop + i*chartRowH)
		goal, hasGoal := Goals[r.Go.Name]
		color := "#1565c0"
		switch {
		case hasGoal && r.Ratio >= goal:
			color = "#2e7d32"
		case hasGoal:
			color = "#ef6c00"
		}
		x0, x1 := x(1), x(r.Ratio)
		fmt.Fprintf(&b, `<text x="%d" y="%.1f" text-anchor="end">%s</text>`+"\n", chartLabelW-8, y+17, html.EscapeString(r.Go.Name))
		fmt.Fprintf(&b, `<rect class="ratio" x="%.1f" y="%.1f" width="%.1f" height="%d" fill="%s"><title>%s: %.3gx</title></rect>`+"\n",
			min(x0, x1), y+5, max(math.Abs(x1-x0), 1), chartRowH-10, color, html.EscapeString(r.Go.Name), r.Ratio)
		if hasGoal {
			fmt.Fprintf(&b, `<line class="goal" x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="black" stroke-width="2.5"><title>goal %gx</title></line>`+"\n",
				x(goal), y+2, x(goal), y+chartRowH-2, goal)
		}
		label := fmt.Sprintf("%.3gx", r.Ratio)
		if hasGoal {
			label += fmt.Sprintf(" / %gx", goal)
		}
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f">%s</text>`+"\n", plotR+8, y+17, label)
	}
	fmt.Fprintf(&b, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%.1f" stroke="#888" stroke-width="1.5"/>`+"\n", x(1), chartTop-4, x(1), plotB)
	b.WriteString("</svg>\n")
	_, err := io.WriteString(w, b.String())
	return err
}
