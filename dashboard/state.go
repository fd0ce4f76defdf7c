package dashboard

import (
	"time"

	"mproc"
)

// The JSON the page polls: state is one snapshot, which the page turns into
// its tables and, from one snapshot to the next, its charts.
type state struct {
	At     int64       `json:"at"` // unix ms
	Pools  []poolState `json:"pools"`
	Queues []queueJSON `json:"queues"`
}

type poolState struct {
	Name      string         `json:"name"`
	Size      int            `json:"size"`
	UptimeMs  float64        `json:"uptimeMs"`
	Tasks     int            `json:"tasks"`
	Failed    int            `json:"failed"`
	Queued    int            `json:"queued"`
	Running   int            `json:"running"`
	Restarts  map[string]int `json:"restarts"`
	TaskTime  percentiles    `json:"taskTime"`
	QueueWait percentiles    `json:"queueWait"`
	Workers   []workerState  `json:"workers"`
}

type percentiles struct {
	Count int     `json:"count"`
	SumMs float64 `json:"sumMs"` // the page's latency between two polls: Δsum / Δcount
	P50Ms float64 `json:"p50Ms"`
	P90Ms float64 `json:"p90Ms"`
	P99Ms float64 `json:"p99Ms"`
	MaxMs float64 `json:"maxMs"`
}

type workerState struct {
	Name      string  `json:"name"`
	Pid       int     `json:"pid"`
	State     string  `json:"state"` // starting, idle, busy, ended
	Task      string  `json:"task,omitempty"`
	Tasks     int     `json:"tasks"`
	BusyMs    float64 `json:"busyMs"`
	IdleMs    float64 `json:"idleMs"`
	StartupMs float64 `json:"startupMs"`
	RSS       int64   `json:"rss"`
	PeakRSS   int64   `json:"peakRss"`
	Reason    string  `json:"reason,omitempty"`
	EndedAt   int64   `json:"endedAt,omitempty"` // unix ms
}

type queueJSON struct {
	Name string `json:"name"`
	Len  int    `json:"len"`
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func snapshot(sources []Source) state {
	st := state{At: time.Now().UnixMilli(), Pools: []poolState{}, Queues: []queueJSON{}}
	for _, s := range sources {
		switch {
		case s.pool != nil:
			st.Pools = append(st.Pools, poolJSON(s.name, s.pool.Insights()))
		case s.queue != nil:
			st.Queues = append(st.Queues, queueJSON{Name: s.name, Len: s.queue.Len()})
		}
	}
	return st
}

func poolJSON(name string, in mproc.Insights) poolState {
	ps := poolState{
		Name: name, Size: in.Size, UptimeMs: ms(in.Uptime), Tasks: in.Tasks, Failed: in.Failed,
		Queued: in.Queued, Running: in.Running, Restarts: in.Restarts,
		TaskTime: percentilesJSON(in.TaskTime), QueueWait: percentilesJSON(in.QueueWait),
		Workers: make([]workerState, 0, len(in.Workers)),
	}
	for _, w := range in.Workers {
		ws := workerState{
			Name: w.Name, Pid: w.Pid, Task: w.Task, Tasks: w.Tasks, BusyMs: ms(w.Busy), IdleMs: ms(w.Idle),
			StartupMs: ms(w.Startup), RSS: w.RSS, PeakRSS: w.PeakRSS, Reason: w.Reason,
		}
		switch {
		case w.Reason != "":
			ws.State, ws.EndedAt = "ended", w.Ended.UnixMilli()
		case w.Pid == 0:
			ws.State = "starting"
		case w.Task != "":
			ws.State = "busy"
		default:
			ws.State = "idle"
		}
		ps.Workers = append(ps.Workers, ws)
	}
	return ps
}

func percentilesJSON(p mproc.Percentiles) percentiles {
	return percentiles{
		Count: p.Count, SumMs: ms(p.Mean) * float64(p.Count),
		P50Ms: ms(p.P50), P90Ms: ms(p.P90), P99Ms: ms(p.P99), MaxMs: ms(p.Max),
	}
}
