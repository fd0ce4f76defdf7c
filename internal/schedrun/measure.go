package schedrun

import (
	"math"
	"time"

	"mproc/sched"
)

// result turns the spans into the measured schedule and its deviation.
func (d *dispatcher) result(sim sched.Schedule) (Result, error) {
	r := Result{Sim: sim, RealGantt: d.spans, Unit: d.unit, CPU: d.cpu}
	measured, err := sched.Analyze(d.jobs, d.rounded())
	if err != nil {
		return Result{}, err // the spans are in order and after arrivals: a bug
	}
	measured.Policy = sim.Policy
	r.Real = measured
	r.Jobs = d.jobResults(sim)
	n := float64(len(r.Jobs))
	for _, j := range r.Jobs {
		r.AvgWaiting += j.Waiting / n
		r.AvgTurnaround += j.Turnaround / n
		r.AvgResponse += j.Response / n
	}
	if len(d.spans) > 0 {
		r.Makespan = d.units(d.spans[len(d.spans)-1].End)
	}
	r.Deviation = d.deviation(r)
	return r, nil
}

// units converts a wall time to units.
func (d *dispatcher) units(t time.Duration) float64 { return float64(t) / float64(d.unit) }

// rounded is the spans in whole units, as Result.Real documents.
func (d *dispatcher) rounded() []sched.Segment {
	segs := make([]sched.Segment, 0, len(d.spans))
	end := 0
	for _, s := range d.spans {
		start := max(int(math.Round(d.units(s.Start))), end)
		end = max(int(math.Round(d.units(s.End))), start+1)
		segs = append(segs, sched.Segment{Name: s.Name, Start: start, End: end})
	}
	return segs
}

// jobResults computes each job's unrounded figures from the spans.
func (d *dispatcher) jobResults(sim sched.Schedule) []JobResult {
	out := make([]JobResult, len(d.jobs))
	seen := make([]bool, len(d.jobs))
	onCPU := make([]time.Duration, len(d.jobs))
	for _, s := range d.spans {
		i := d.index[s.Name]
		if !seen[i] {
			seen[i] = true
			out[i].Start = d.units(s.Start)
		}
		out[i].Finish = d.units(s.End)
		onCPU[i] += s.End - s.Start
	}
	for i, sj := range d.jobs {
		j := &out[i]
		j.Name = sj.Name
		j.Burst = time.Duration(sj.Burst) * d.unit
		if done := d.run[i].done; done != nil {
			j.CPU = done.CPU
		}
		j.Turnaround = j.Finish - float64(sj.Arrival)
		j.Waiting = j.Turnaround - d.units(onCPU[i])
		j.Response = j.Start - float64(sj.Arrival)
		j.FinishError = j.Finish - float64(sim.Jobs[i].Finish)
	}
	return out
}

// deviation compares r's measured figures with its simulation's, and sums
// up the dispatcher's overhead.
func (d *dispatcher) deviation(r Result) Deviation {
	var dev Deviation
	for _, j := range r.Jobs {
		e := math.Abs(j.FinishError)
		dev.MaxFinish = max(dev.MaxFinish, e)
		dev.MeanFinish += e / float64(len(r.Jobs))
		dev.MaxCPU = max(dev.MaxCPU, (j.CPU - j.Burst).Abs())
	}
	dev.AvgWaiting = r.AvgWaiting - r.Sim.AvgWaiting
	dev.AvgTurnaround = r.AvgTurnaround - r.Sim.AvgTurnaround
	dev.AvgResponse = r.AvgResponse - r.Sim.AvgResponse
	dev.Makespan = r.Makespan - float64(r.Sim.Makespan())
	dev.Preemptions = len(d.overshoots)
	dev.MeanOvershoot, dev.MaxOvershoot = meanMax(d.overshoots)
	dev.MeanStopLatency, dev.MaxStopLatency = meanMax(d.stops)
	var late []time.Duration
	var prev, cpu, wall time.Duration
	for _, s := range d.spans {
		cpu += s.CPU
		wall += s.End - s.Start
		ready := max(prev, time.Duration(d.jobs[d.index[s.Name]].Arrival)*d.unit)
		late = append(late, max(s.Start-ready, 0))
		dev.TotalDispatch += late[len(late)-1]
		prev = s.End
	}
	dev.MeanDispatch, dev.MaxDispatch = meanMax(late)
	if wall > 0 {
		dev.CPUShare = float64(cpu) / float64(wall)
	}
	return dev
}

func meanMax(ds []time.Duration) (mean, most time.Duration) {
	if len(ds) == 0 {
		return 0, 0
	}
	var sum time.Duration
	for _, d := range ds {
		sum += d
		most = max(most, d)
	}
	return sum / time.Duration(len(ds)), most
}
