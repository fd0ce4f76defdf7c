package main

import (
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"mproc/internal/gantt"
	"mproc/internal/schedrun"
	"mproc/sched"
)

// planNote says what a real run decides and what it measures.
const planNote = "The run follows the simulation's plan (which job runs next, for how much CPU);\nevery time is measured."

// runReal runs the jobs for real under p and prints the measured schedule
// next to the simulated one.
func (c *schedCmd) runReal(a *app, jobs []sched.Job, p sched.Policy) error {
	// The bar runs over the simulated makespan; the real run takes a
	// little longer, and the bar waits at its end.
	expected := time.Duration(0)
	if s, err := sched.Run(jobs, p); err == nil {
		expected = time.Duration(s.Makespan()) * c.Unit
	}
	stop := elapsedBar(a, expected, "sched --real")
	r, err := schedrun.Run(a.ctx, jobs, p, c.Unit)
	stop()
	if err != nil {
		return fmt.Errorf("--real --unit %v: %w", c.Unit, err)
	}
	if c.JSON {
		out := struct {
			schedJSON
			Real realJSON `json:"real"`
		}{toJSON(r.Sim), toRealJSON(r)}
		return writeJSON(a.stdout, out)
	}
	w := a.stdout
	fmt.Fprintf(w, "%s: %d jobs from %s,\nsimulated, and run as processes on CPU %d (1 unit = %v)\n\n",
		gantt.Describe(p), len(jobs), c.File, r.CPU, c.Unit)
	fmt.Fprintln(w, "Simulated:")
	gantt.Chart(w, r.Sim.Gantt, c.width())
	fmt.Fprintln(w, "\nReal (each span's ends rounded to whole units):")
	gantt.Chart(w, r.Real.Gantt, c.width())
	fmt.Fprintln(w, "\nReal spans (ms): "+spansText(r.RealGantt))
	fmt.Fprintln(w)
	writeRealTable(w, r)
	fmt.Fprintln(w)
	writeDeviation(w, r)
	fmt.Fprintln(w, "\n"+planNote)
	return nil
}

// spansText lists the spans as NAME START-END.
func spansText(spans []schedrun.Span) string {
	parts := make([]string, len(spans))
	for i, s := range spans {
		parts[i] = fmt.Sprintf("%s %.1f-%.1f", s.Name, ms(s.Start), ms(s.End))
	}
	return strings.Join(parts, ", ")
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// writeRealTable prints each job's simulated and measured figures side by
// side, the measured ones in units with two decimals, then the averages:
//
//	job      arrival  burst       start          finish   ...    cpu ms  finish
//	                          sim    real    sim    real  ...            error
//	A              0      4     0    0.00      4    4.06  ...     80.01   +0.06
func writeRealTable(w io.Writer, r schedrun.Result) {
	nameW := len("average")
	for _, j := range r.Jobs {
		nameW = max(nameW, utf8.RuneCountInString(j.Name))
	}
	figs := []string{"start", "finish", "waiting", "turnaround", "response"}
	const simW, realW = 5, 6
	var head, sub strings.Builder
	fmt.Fprintf(&head, "%-*s  arrival  burst", nameW, "job")
	fmt.Fprintf(&sub, "%-*s  %7s  %5s", nameW, "", "", "")
	for _, f := range figs {
		fmt.Fprintf(&head, "  %*s", simW+1+realW, f)
		fmt.Fprintf(&sub, "  %*s %*s", simW, "sim", realW, "real")
	}
	fmt.Fprintf(&head, "  %8s  %6s", "cpu ms", "finish")
	fmt.Fprintf(&sub, "  %8s  %6s", "", "error")
	fmt.Fprintln(w, head.String())
	fmt.Fprintln(w, sub.String())
	for i, j := range r.Jobs {
		s := r.Sim.Jobs[i]
		sim := []int{s.Start, s.Finish, s.Waiting, s.Turnaround, s.Response}
		measured := []float64{j.Start, j.Finish, j.Waiting, j.Turnaround, j.Response}
		fmt.Fprintf(w, "%s%s  %7d  %5d", j.Name, strings.Repeat(" ", nameW-utf8.RuneCountInString(j.Name)), s.Arrival, s.Burst)
		for k := range figs {
			fmt.Fprintf(w, "  %*d %*.2f", simW, sim[k], realW, measured[k])
		}
		fmt.Fprintf(w, "  %8.2f  %+6.2f\n", ms(j.CPU), j.FinishError)
	}
	fmt.Fprintf(w, "%-*s  %7s  %5s  %*s  %*s", nameW, "average", "", "", simW+1+realW, "", simW+1+realW, "")
	for _, a := range [][2]float64{{r.Sim.AvgWaiting, r.AvgWaiting}, {r.Sim.AvgTurnaround, r.AvgTurnaround}, {r.Sim.AvgResponse, r.AvgResponse}} {
		fmt.Fprintf(w, "  %*.2f %*.2f", simW, a[0], realW, a[1])
	}
	fmt.Fprintf(w, "  %8s  %6.2f\n", "", r.Deviation.MeanFinish)
}

// writeDeviation prints the measured error and the dispatcher's overhead.
func writeDeviation(w io.Writer, r schedrun.Result) {
	d := r.Deviation
	fmt.Fprintf(w, "Measured error (units): finish |real - sim| max %.2f, mean %.2f; makespan %.2f, not %d\n",
		d.MaxFinish, d.MeanFinish, r.Makespan, r.Sim.Makespan())
	fmt.Fprintf(w, "  real - sim: avg waiting %+.2f, avg turnaround %+.2f, avg response %+.2f\n",
		d.AvgWaiting, d.AvgTurnaround, d.AvgResponse)
	fmt.Fprintf(w, "CPU: each job within %v of its burst; %.0f%% of the CPU was theirs when dispatched\n",
		us(d.MaxCPU), 100*d.CPUShare)
	fmt.Fprintf(w, "Dispatch: %d preemption%s; overshoot mean %v, max %v; stop mean %v, max %v\n",
		d.Preemptions, plural(d.Preemptions), us(d.MeanOvershoot), us(d.MaxOvershoot), us(d.MeanStopLatency), us(d.MaxStopLatency))
	fmt.Fprintf(w, "  lateness of each start mean %v, max %v, total %v\n", us(d.MeanDispatch), us(d.MaxDispatch), us(d.TotalDispatch))
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

func us(d time.Duration) time.Duration { return d.Round(time.Microsecond) }

// realJSON is the "real" object of --real --json: the simulated object's
// fields, measured (unrounded, in units; gantt rounded to whole units as
// the text chart is), and the measurement's own figures.
type realJSON struct {
	Algo          string           `json:"algo"`
	AvgWaiting    float64          `json:"avg_waiting"`
	AvgTurnaround float64          `json:"avg_turnaround"`
	AvgResponse   float64          `json:"avg_response"`
	Jobs          []realJobJSON    `json:"jobs"`
	Gantt         []sched.Segment  `json:"gantt"`
	Spans         []realSpanJSON   `json:"spans"`
	Makespan      float64          `json:"makespan"`
	UnitMS        float64          `json:"unit_ms"`
	CPU           int              `json:"cpu"`
	Error         realErrorJSON    `json:"error"`
	Dispatch      realDispatchJSON `json:"dispatch"`
	Note          string           `json:"note"`
}

type realJobJSON struct {
	Name        string  `json:"name"`
	Start       float64 `json:"start"`
	Finish      float64 `json:"finish"`
	Waiting     float64 `json:"waiting"`
	Turnaround  float64 `json:"turnaround"`
	Response    float64 `json:"response"`
	CPUMS       float64 `json:"cpu_ms"`
	BurstMS     float64 `json:"burst_ms"`
	FinishError float64 `json:"finish_error"`
}

type realSpanJSON struct {
	Name    string  `json:"name"`
	StartMS float64 `json:"start_ms"`
	EndMS   float64 `json:"end_ms"`
	CPUMS   float64 `json:"cpu_ms"`
	PlanMS  float64 `json:"plan_ms"`
}

type realErrorJSON struct {
	FinishMax     float64 `json:"finish_max"`
	FinishMean    float64 `json:"finish_mean"`
	AvgWaiting    float64 `json:"avg_waiting"`
	AvgTurnaround float64 `json:"avg_turnaround"`
	AvgResponse   float64 `json:"avg_response"`
	Makespan      float64 `json:"makespan"`
	CPUMaxMS      float64 `json:"cpu_max_ms"`
	CPUShare      float64 `json:"cpu_share"`
}

type realDispatchJSON struct {
	Preemptions       int     `json:"preemptions"`
	OvershootMeanMS   float64 `json:"overshoot_mean_ms"`
	OvershootMaxMS    float64 `json:"overshoot_max_ms"`
	StopLatencyMeanMS float64 `json:"stop_latency_mean_ms"`
	StopLatencyMaxMS  float64 `json:"stop_latency_max_ms"`
	LatenessMeanMS    float64 `json:"lateness_mean_ms"`
	LatenessMaxMS     float64 `json:"lateness_max_ms"`
	LatenessTotalMS   float64 `json:"lateness_total_ms"`
}

func toRealJSON(r schedrun.Result) realJSON {
	d := r.Deviation
	out := realJSON{
		Algo: r.Sim.Policy, AvgWaiting: r.AvgWaiting, AvgTurnaround: r.AvgTurnaround, AvgResponse: r.AvgResponse,
		Gantt: r.Real.Gantt, Makespan: r.Makespan, UnitMS: ms(r.Unit), CPU: r.CPU,
		Error: realErrorJSON{d.MaxFinish, d.MeanFinish, d.AvgWaiting, d.AvgTurnaround, d.AvgResponse, d.Makespan, ms(d.MaxCPU), d.CPUShare},
		Dispatch: realDispatchJSON{d.Preemptions, ms(d.MeanOvershoot), ms(d.MaxOvershoot), ms(d.MeanStopLatency), ms(d.MaxStopLatency),
			ms(d.MeanDispatch), ms(d.MaxDispatch), ms(d.TotalDispatch)},
		Note: strings.ReplaceAll(planNote, "\n", " "),
	}
	for _, j := range r.Jobs {
		out.Jobs = append(out.Jobs, realJobJSON{j.Name, j.Start, j.Finish, j.Waiting, j.Turnaround, j.Response, ms(j.CPU), ms(j.Burst), j.FinishError})
	}
	for _, s := range r.RealGantt {
		out.Spans = append(out.Spans, realSpanJSON{s.Name, ms(s.Start), ms(s.End), ms(s.CPU), ms(s.Plan)})
	}
	return out
}
