package sched_test

import (
	"encoding/binary"
	"errors"
	"testing"

	"mproc/sched"
)

// FuzzAnalyze: charts an executor might report, made from arbitrary bytes
// (a job index and two times per 5 bytes), are refused with ErrBadGantt or
// ErrTooLarge, or give a schedule whose chart is contiguous from 0 and whose
// figures agree with each other.
func FuzzAnalyze(f *testing.F) {
	f.Add([]byte{0, 0, 0, 0, 4, 1, 0, 4, 0, 6})
	f.Add([]byte{1, 0, 2, 0, 4, 0, 0, 4, 0, 9, 2, 0, 9, 0, 10})
	f.Add([]byte{0, 0, 5, 0, 3})
	jobs := named("A", 0, 4, "B", 2, 2, "C", 3, 1)
	f.Fuzz(func(t *testing.T, b []byte) {
		var segs []sched.Segment
		for ; len(b) >= 5; b = b[5:] {
			name := ""
			if k := int(b[0]) % 4; k < len(jobs) {
				name = jobs[k].Name
			}
			start := int(binary.BigEndian.Uint16(b[1:]))
			segs = append(segs, sched.Segment{Name: name, Start: start, End: start + int(int8(b[3]))*int(b[4]%8)})
		}
		s, err := sched.Analyze(jobs, segs)
		if err != nil {
			if !errors.Is(err, sched.ErrBadGantt) && !errors.Is(err, sched.ErrTooLarge) {
				t.Fatalf("unexpected error: %v", err)
			}
			return
		}
		end := 0
		ran := map[string]int{}
		for _, g := range s.Gantt {
			if g.Start != end || g.End <= g.Start {
				t.Fatalf("chart not contiguous at %+v: %+v", g, s.Gantt)
			}
			end = g.End
			ran[g.Name] += g.Len()
		}
		for i, st := range s.Jobs {
			if st.Start < jobs[i].Arrival || st.Finish > end || st.Turnaround != st.Finish-st.Arrival ||
				st.Waiting != st.Turnaround-ran[st.Name] || st.Response != st.Start-st.Arrival || st.Waiting < 0 {
				t.Fatalf("inconsistent %+v (ran %d) in %+v", st, ran[st.Name], s.Gantt)
			}
		}
	})
}
