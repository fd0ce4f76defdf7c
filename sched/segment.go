package sched

// A Segment is a stretch of time on the CPU: the job Name ran from Start to
// End. An empty Name is an idle stretch, when no job was ready.
type Segment struct {
	Name  string `json:"name"`
	Start int    `json:"start"`
	End   int    `json:"end"`
}

// Idle reports whether no job ran in the segment.
func (s Segment) Idle() bool { return s.Name == "" }

// Len is the segment's length in time units.
func (s Segment) Len() int { return s.End - s.Start }

// chart collects the segments a policy dispatches, joining a job's segment
// to the one before when it goes on running.
type chart []Segment

func (c *chart) add(name string, start, end int) {
	if n := len(*c); n > 0 && (*c)[n-1].Name == name && (*c)[n-1].End == start {
		(*c)[n-1].End = end
		return
	}
	*c = append(*c, Segment{Name: name, Start: start, End: end})
}
