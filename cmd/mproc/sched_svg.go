package main

import (
	"encoding/xml"
	"fmt"
	"io"
	"strconv"
	"strings"

	"mproc/sched"
)

// svgRow is one horizontal lane of an SVG chart.
type svgRow struct {
	label string
	segs  []sched.Segment
	// span, when set, is the job's time in the system (arrival to finish),
	// drawn as a pale band under its runs, with a mark at the arrival.
	span *[2]int
	note string // right of the lane
}

// The SVG layout, in pixels.
const (
	svgLabelW = 190
	svgChartW = 760
	svgNoteW  = 110
	svgRowH   = 26
	svgRowGap = 10
	svgTop    = 56
)

// svgPalette is Tableau 10: distinct, and readable side by side.
var svgPalette = []string{"#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"}

// writeScheduleSVG draws one schedule: a CPU lane with the whole chart, then
// one lane per job with its runs over its time in the system.
func writeScheduleSVG(w io.Writer, jobs []sched.Job, title string, s sched.Schedule) error {
	rows := []svgRow{{label: "CPU", segs: s.Gantt}}
	for _, st := range s.Jobs {
		var mine []sched.Segment
		for _, g := range s.Gantt {
			if g.Name == st.Name {
				mine = append(mine, g)
			}
		}
		rows = append(rows, svgRow{label: st.Name, segs: mine, span: &[2]int{st.Arrival, st.Finish}, note: fmt.Sprintf("waits %d", st.Waiting)})
	}
	sub := fmt.Sprintf("average waiting %.2f · turnaround %.2f · response %.2f", s.AvgWaiting, s.AvgTurnaround, s.AvgResponse)
	return writeSVGChart(w, title, sub, rows, jobColours(jobs), s.Makespan())
}

// writeCompareSVG draws one lane per policy, on the same time axis.
func writeCompareSVG(w io.Writer, title string, jobs []sched.Job, ps []sched.Policy, runs []sched.Schedule) error {
	var rows []svgRow
	for i, s := range runs {
		rows = append(rows, svgRow{label: shortPolicy(ps[i]), segs: s.Gantt, note: fmt.Sprintf("avg wait %.2f", s.AvgWaiting)})
	}
	return writeSVGChart(w, title, "each policy's chart on the same time axis, with its average waiting time", rows, jobColours(jobs), runs[0].Makespan())
}

// shortPolicy names a policy and its parameters in a few characters.
func shortPolicy(p sched.Policy) string {
	switch p := p.(type) {
	case sched.RR:
		return fmt.Sprintf("rr q=%d", p.Quantum)
	case sched.MLFQ:
		q := make([]string, len(p.Quanta))
		for i, v := range p.Quanta {
			q[i] = strconv.Itoa(v)
		}
		s := "mlfq " + strings.Join(q, ",")
		if p.Boost > 0 {
			s += fmt.Sprintf(" boost %d", p.Boost)
		}
		return s
	}
	return p.Name()
}

func jobColours(jobs []sched.Job) map[string]string {
	c := make(map[string]string, len(jobs))
	for i, j := range jobs {
		c[j.Name] = svgPalette[i%len(svgPalette)]
	}
	return c
}

func writeSVGChart(w io.Writer, title, subtitle string, rows []svgRow, colour map[string]string, end int) error {
	end = max(end, 1)
	x := func(t int) float64 { return svgLabelW + float64(t)*svgChartW/float64(end) }
	y := func(r int) int { return svgTop + r*(svgRowH+svgRowGap) }
	axisY := y(len(rows)) + 4
	width, height := svgLabelW+svgChartW+svgNoteW, axisY+60

	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="system-ui, -apple-system, 'Segoe UI', sans-serif" font-size="12">`+"\n", width, height, width, height)
	fmt.Fprintf(&b, `<rect width="100%%" height="100%%" fill="#ffffff"/>`+"\n")
	fmt.Fprintf(&b, `<text x="16" y="24" font-size="16" font-weight="600" fill="#222">%s</text>`+"\n", esc(title))
	fmt.Fprintf(&b, `<text x="16" y="42" fill="#666">%s</text>`+"\n", esc(subtitle))

	step := niceStep(end, 12)
	ticks := []int{}
	for t := 0; t <= end; t += step {
		ticks = append(ticks, t)
	}
	if last := ticks[len(ticks)-1]; last != end && x(end)-x(last) > 30 {
		ticks = append(ticks, end) // the end, unless it would crowd the last tick
	}
	for _, t := range ticks {
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#e6e6e6"/>`+"\n", x(t), svgTop-6, x(t), axisY)
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" text-anchor="middle" fill="#555">%d</text>`+"\n", x(t), axisY+16, t)
	}
	fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#999"/>`+"\n", svgLabelW, axisY, svgLabelW+svgChartW, axisY)
	fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="middle" fill="#555">time</text>`+"\n", svgLabelW+svgChartW/2, axisY+36)

	for r, row := range rows {
		top := y(r)
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="end" fill="#222">%s</text>`+"\n", svgLabelW-10, top+svgRowH/2+4, esc(row.label))
		if row.span != nil {
			c := colour[row.label]
			fmt.Fprintf(&b, `<rect class="wait" x="%.1f" y="%d" width="%.1f" height="%d" fill="%s" fill-opacity="0.18"><title>%s in the system: %d to %d</title></rect>`+"\n",
				x(row.span[0]), top+4, x(row.span[1])-x(row.span[0]), svgRowH-8, c, esc(row.label), row.span[0], row.span[1])
			fmt.Fprintf(&b, `<path d="M%.1f %d l-5 -7 h10 z" fill="%s"><title>%s arrives at %d</title></path>`+"\n", x(row.span[0]), top+4, c, esc(row.label), row.span[0])
		}
		for _, g := range row.segs {
			writeSVGSegment(&b, g, x(g.Start), x(g.End), top, colour)
		}
		if row.note != "" {
			fmt.Fprintf(&b, `<text x="%d" y="%d" fill="#555">%s</text>`+"\n", svgLabelW+svgChartW+10, top+svgRowH/2+4, esc(row.note))
		}
	}
	b.WriteString("</svg>\n")
	_, err := io.WriteString(w, b.String())
	return err
}

func writeSVGSegment(b *strings.Builder, g sched.Segment, x0, x1 float64, top int, colour map[string]string) {
	fill, text, name := colour[g.Name], textColour(colour[g.Name]), g.Name
	class := "run"
	if g.Idle() {
		fill, text, name, class = "#f1f1f1", "#999", "idle", "idle"
	}
	fmt.Fprintf(b, `<rect class="%s" x="%.1f" y="%d" width="%.1f" height="%d" rx="2" fill="%s" stroke="#ffffff"><title>%s: %d to %d</title></rect>`+"\n",
		class, x0, top, x1-x0, svgRowH, fill, esc(name), g.Start, g.End)
	if x1-x0 >= float64(7*len([]rune(name))+6) { // the label fits (about 7 px a character)
		fmt.Fprintf(b, `<text x="%.1f" y="%d" text-anchor="middle" fill="%s">%s</text>`+"\n", (x0+x1)/2, top+svgRowH/2+4, text, esc(name))
	}
}

// textColour is black or white, whichever reads better on the colour hex.
func textColour(hex string) string {
	v, err := strconv.ParseUint(strings.TrimPrefix(hex, "#"), 16, 32)
	if err != nil {
		return "#000000"
	}
	r, g, bl := float64(v>>16&0xff), float64(v>>8&0xff), float64(v&0xff)
	if 0.299*r+0.587*g+0.114*bl > 150 {
		return "#1a1a1a"
	}
	return "#ffffff"
}

// niceStep is the smallest of 1, 2, 5, 10, 20, 50, ... that cuts span into
// at most n steps.
func niceStep(span, n int) int {
	for step := 1; ; step *= 10 {
		for _, m := range []int{1, 2, 5} {
			if span/(step*m) <= n {
				return step * m
			}
		}
	}
}

func esc(s string) string {
	var b strings.Builder
	xml.EscapeText(&b, []byte(s))
	return b.String()
}
