// Package gantt draws schedules of package mproc/sched as text: the Gantt
// chart as boxes, a table of each job's figures, and the table of averages
// comparing policies. The mproc command's sched and the tour's sched demo
// both print with it.
package gantt

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"mproc/sched"
)

// maxLabel is how many characters of a job's name the text chart shows.
const maxLabel = 8

// Chart draws the chart as boxes, one per segment, as wide as their
// length in proportion (but never narrower than their label), the times under
// the bars; rows wrap when the segments do not fit in width:
//
//	+------------+---+---+------------------------+
//	|     P1     |P2 |P3 |           P1           |
//	+------------+---+---+------------------------+
//	0            4   7   10                       30
func Chart(w io.Writer, segs []sched.Segment, width int) {
	if len(segs) == 0 {
		return
	}
	// Room for the last time's digits past the last bar.
	width = max(width-len(strconv.Itoa(segs[len(segs)-1].End))+1, 2*(maxLabel+1)+1)
	for len(segs) > 0 {
		n, used := 0, 1
		for n < len(segs) && used+minCell(segs[n])+1 <= width {
			used += minCell(segs[n]) + 1
			n++
		}
		n = max(n, 1)
		writeGanttRow(w, segs[:n], width)
		segs = segs[n:]
		if len(segs) > 0 {
			fmt.Fprintln(w)
		}
	}
}

func label(s sched.Segment) string {
	if s.Idle() {
		return "idle"
	}
	if utf8.RuneCountInString(s.Name) > maxLabel {
		r := []rune(s.Name)
		return string(r[:maxLabel-1]) + "…"
	}
	return s.Name
}

// minCell is the inside width a segment's box needs: its label (idle boxes
// may be as narrow as one dot).
func minCell(s sched.Segment) int {
	if s.Idle() {
		return 1
	}
	return utf8.RuneCountInString(label(s))
}

// writeGanttRow draws segments that fit in width: the columns beyond the
// labels' go to the segments in proportion to their lengths (largest
// remainders first), so the boxes fill the width exactly.
func writeGanttRow(w io.Writer, segs []sched.Segment, width int) {
	cells := make([]int, len(segs))
	spare, total := width-1, 0
	for i, s := range segs {
		cells[i] = minCell(s)
		spare -= cells[i] + 1
		total += s.Len()
	}
	if spare > 0 {
		rem := make([]float64, len(segs))
		given := 0
		for i, s := range segs {
			share := float64(spare) * float64(s.Len()) / float64(total)
			cells[i] += int(share)
			given += int(share)
			rem[i] = share - math.Floor(share)
		}
		for ; given < spare; given++ {
			best := 0
			for i := range rem {
				if rem[i] > rem[best] {
					best = i
				}
			}
			cells[best]++
			rem[best] = -1
		}
	}
	var border, middle, axis strings.Builder
	border.WriteByte('+')
	middle.WriteByte('|')
	for i, s := range segs {
		border.WriteString(strings.Repeat("-", cells[i]) + "+")
		pad := byte(' ')
		if s.Idle() {
			pad = '.'
		}
		middle.WriteString(center(label(s), cells[i], pad) + "|")
	}
	// The times under the bars, left-aligned on them; one that would touch
	// the one before is left out, except the last, which the one before
	// gives way to.
	col, times := 0, []struct{ col, t int }{{0, segs[0].Start}}
	for i, s := range segs {
		col += cells[i] + 1
		times = append(times, struct{ col, t int }{col, s.End})
	}
	var placed []struct{ col, t int }
	for k, tm := range times {
		for len(placed) > 0 && k == len(times)-1 && placed[len(placed)-1].col+len(strconv.Itoa(placed[len(placed)-1].t)) >= tm.col {
			placed = placed[:len(placed)-1]
		}
		if len(placed) == 0 || placed[len(placed)-1].col+len(strconv.Itoa(placed[len(placed)-1].t)) < tm.col {
			placed = append(placed, tm)
		}
	}
	for _, p := range placed {
		axis.WriteString(strings.Repeat(" ", p.col-axis.Len()) + strconv.Itoa(p.t))
	}
	fmt.Fprintf(w, "%s\n%s\n%s\n%s\n", border.String(), middle.String(), border.String(), axis.String())
}

// center centers s in n columns, padded with pad; s must fit.
func center(s string, n int, pad byte) string {
	left := (n - utf8.RuneCountInString(s)) / 2
	right := n - utf8.RuneCountInString(s) - left
	if left < 0 || right < 0 {
		return strings.Repeat(string(pad), n)
	}
	return strings.Repeat(string(pad), left) + s + strings.Repeat(string(pad), right)
}

// JobTable prints each job's figures and the averages; the priority
// column only when a job has one.
func JobTable(w io.Writer, s sched.Schedule) {
	nameW := len("average")
	withPrio := false
	for _, j := range s.Jobs {
		nameW = max(nameW, utf8.RuneCountInString(j.Name))
		withPrio = withPrio || j.Priority != 0
	}
	head := []string{"arrival", "burst"}
	if withPrio {
		head = append(head, "priority")
	}
	head = append(head, "start", "finish", "waiting", "turnaround", "response")
	fmt.Fprintf(w, "%-*s", nameW, "job")
	for _, h := range head {
		fmt.Fprintf(w, "  %*s", len(h), h)
	}
	fmt.Fprintln(w)
	for _, j := range s.Jobs {
		vals := []int{j.Arrival, j.Burst}
		if withPrio {
			vals = append(vals, j.Priority)
		}
		vals = append(vals, j.Start, j.Finish, j.Waiting, j.Turnaround, j.Response)
		fmt.Fprintf(w, "%s%s", j.Name, strings.Repeat(" ", nameW-utf8.RuneCountInString(j.Name)))
		for k, v := range vals {
			fmt.Fprintf(w, "  %*d", len(head[k]), v)
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "%-*s", nameW, "average")
	for k, h := range head {
		switch k {
		case len(head) - 3:
			fmt.Fprintf(w, "  %*.2f", len(h), s.AvgWaiting)
		case len(head) - 2:
			fmt.Fprintf(w, "  %*.2f", len(h), s.AvgTurnaround)
		case len(head) - 1:
			fmt.Fprintf(w, "  %*.2f", len(h), s.AvgResponse)
		default:
			fmt.Fprintf(w, "  %*s", len(h), "")
		}
	}
	fmt.Fprintln(w)
}

// Compare tabulates each policy's averages; a * marks the lowest of a
// column.
func Compare(w io.Writer, ps []sched.Policy, runs []sched.Schedule) {
	names := make([]string, len(ps))
	nameW := len("policy")
	for i, p := range ps {
		names[i] = Describe(p)
		nameW = max(nameW, len(names[i]))
	}
	cols := []struct {
		head string
		val  func(sched.Schedule) float64
	}{
		{"avg waiting", func(s sched.Schedule) float64 { return s.AvgWaiting }},
		{"avg turnaround", func(s sched.Schedule) float64 { return s.AvgTurnaround }},
		{"avg response", func(s sched.Schedule) float64 { return s.AvgResponse }},
	}
	var line strings.Builder
	fmt.Fprintf(&line, "%-*s", nameW, "policy")
	for _, c := range cols {
		fmt.Fprintf(&line, "  %*s ", len(c.head), c.head)
	}
	fmt.Fprintln(w, strings.TrimRight(line.String(), " "))
	for i, s := range runs {
		line.Reset()
		fmt.Fprintf(&line, "%-*s", nameW, names[i])
		for _, c := range cols {
			mark := " "
			if c.val(s) == lowest(runs, c.val) {
				mark = "*"
			}
			fmt.Fprintf(&line, "  %*.2f%s", len(c.head), c.val(s), mark)
		}
		fmt.Fprintln(w, strings.TrimRight(line.String(), " "))
	}
	fmt.Fprintln(w, "\n* the lowest of the column")
}

func lowest(runs []sched.Schedule, val func(sched.Schedule) float64) float64 {
	m := math.Inf(1)
	for _, s := range runs {
		m = min(m, val(s))
	}
	return m
}
