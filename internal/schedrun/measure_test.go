package schedrun

import (
	"reflect"
	"testing"
	"time"

	"mproc/sched"
)

func TestRounded(t *testing.T) {
	t.Parallel()
	ms := time.Millisecond
	d := &dispatcher{unit: 10 * ms, jobs: []sched.Job{{Name: "A", Burst: 2}, {Name: "B", Burst: 1}}}
	d.spans = []Span{
		{Name: "A", Start: 0, End: 14 * ms},       // 0 to 1.4: 0 to 1
		{Name: "B", Start: 14 * ms, End: 16 * ms}, // 1.4 to 1.6: 1 to 2, grown to a unit
		{Name: "A", Start: 16 * ms, End: 26 * ms}, // 1.6 to 2.6: 2 to 3
		{Name: "B", Start: 31 * ms, End: 33 * ms}, // 3.1 to 3.3: 3 to 4, pushed after A
	}
	seg := func(name string, start, end int) sched.Segment {
		return sched.Segment{Name: name, Start: start, End: end}
	}
	want := []sched.Segment{seg("A", 0, 1), seg("B", 1, 2), seg("A", 2, 3), seg("B", 3, 4)}
	if got := d.rounded(); !reflect.DeepEqual(got, want) {
		t.Errorf("rounded %v, want %v", got, want)
	}
	if _, err := sched.Analyze(d.jobs, d.rounded()); err != nil {
		t.Errorf("Analyze refuses the rounded chart: %v", err)
	}
}
