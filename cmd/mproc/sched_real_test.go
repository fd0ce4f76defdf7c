package main

import (
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"mproc/sched"
)

// realJobs writes a small job list: under rr with quantum 1, A is preempted
// twice.
func realJobs(t *testing.T) (string, []sched.Job) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "jobs.csv")
	if err := os.WriteFile(path, []byte("name,arrival,burst\nA,0,3\nB,1,2\nC,1,1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	jobs, err := sched.ParseCSV(f)
	if err != nil {
		t.Fatal(err)
	}
	return path, jobs
}

func TestCLISchedRealJSON(t *testing.T) {
	t.Parallel()
	path, jobs := realJobs(t)
	code, out, errOut := runCLI("sched", "--real", "--json", "--algo", "rr", "--quantum", "1", "--unit", "10ms", path)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var got struct {
		schedJSON
		Real realJSON `json:"real"`
	}
	dec := json.NewDecoder(strings.NewReader(out))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&got); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		t.Errorf("more than one JSON value: %s", out)
	}
	sim, err := sched.Run(jobs, sched.RR{Quantum: 1})
	if err != nil {
		t.Fatal(err)
	}
	if want := toJSON(sim); !reflect.DeepEqual(got.schedJSON, want) {
		t.Errorf("the simulated fields: %+v\nwant %+v", got.schedJSON, want)
	}
	r := got.Real
	if r.Algo != "rr" || r.UnitMS != 10 || len(r.Jobs) != len(jobs) || r.Note == "" {
		t.Errorf("real: %+v", r)
	}
	if gotNames, want := spanNames(r.Gantt), spanNames(sim.Gantt); gotNames != want {
		t.Errorf("real chart %s, simulated %s", gotNames, want)
	}
	var plan []sched.Segment
	for _, s := range sim.Gantt {
		if !s.Idle() {
			plan = append(plan, s)
		}
	}
	if len(r.Spans) != len(plan) {
		t.Fatalf("%d spans for %d segments: %+v", len(r.Spans), len(plan), r.Spans)
	}
	for k, s := range r.Spans {
		if s.Name != plan[k].Name || s.PlanMS != float64(10*plan[k].Len()) || s.EndMS <= s.StartMS {
			t.Errorf("span %d: %+v, segment %+v", k, s, plan[k])
		}
	}
	for i, j := range r.Jobs {
		if j.Name != jobs[i].Name || j.BurstMS != float64(10*jobs[i].Burst) || j.CPUMS < j.BurstMS {
			t.Errorf("job %d: %+v", i, j)
		}
		if want := j.Finish - float64(sim.Jobs[i].Finish); j.FinishError != want {
			t.Errorf("%s: finish error %v, want %v", j.Name, j.FinishError, want)
		}
	}
	if r.Dispatch.Preemptions != len(plan)-len(jobs) || r.Error.FinishMax < r.Error.FinishMean || r.Error.CPUShare <= 0 || r.Error.CPUShare > 1.01 {
		t.Errorf("figures: %+v %+v", r.Error, r.Dispatch)
	}
}

func TestCLISchedRealText(t *testing.T) {
	t.Parallel()
	path, _ := realJobs(t)
	code, out, errOut := runCLI("sched", "--real", "--algo", "srtf", "--unit", "5ms", "--width", "70", path)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{
		"srtf (shortest remaining time first): 3 jobs from ",
		"simulated, and run as processes on CPU ", " (1 unit = 5ms)\n\n",
		"Simulated:\n+", "\nReal (each span's ends rounded to whole units):\n+",
		"\nReal spans (ms): A 0.0-",
		"         start        finish       waiting    turnaround      response    cpu ms  finish\n",
		"  sim   real    sim   real    sim   real    sim   real    sim   real             error\n",
		"\nA              0      3      0   0.00      4 ",
		"\naverage ",
		"\nMeasured error (units): finish |real - sim| max ",
		"\n  real - sim: avg waiting ",
		"\nCPU: each job within ",
		"\nDispatch: 1 preemption; overshoot mean ",
		"\n  lateness of each start mean ",
		"The run follows the simulation's plan",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	if t.Failed() {
		t.Logf("output:\n%s", out)
	}
}

func TestCLISchedRealErrors(t *testing.T) {
	t.Parallel()
	path, _ := realJobs(t)
	long := filepath.Join(t.TempDir(), "long.csv")
	if err := os.WriteFile(long, []byte("name,arrival,burst\nA,0,3000\nB,10,3001\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args []string
		code int
		says string
	}{
		{[]string{"--real", "--compare", path}, 2, "--real runs one policy"},
		{[]string{"--real", "--unit", "0", path}, 2, "--unit 0s: unit too small, the least is 1ms"},
		{[]string{"--real", "--unit", "-3ms", path}, 2, "--unit -3ms"},
		{[]string{"--real", long}, 1, "6001 units of 10ms take 1m0.01s, more than 1m0s; a unit of 9.9ms or less fits"},
		{[]string{"--real", "--unit", "20ms", long}, 1, "--unit 20ms: schedrun: real run too long: 6001 units of 20ms take 2m0.02s"},
	} {
		code, _, errOut := runCLI(append([]string{"sched"}, c.args...)...)
		if code != c.code || !strings.Contains(errOut, c.says) {
			t.Errorf("%v: exit %d, %q; want %d saying %q", c.args, code, errOut, c.code, c.says)
		}
	}
}

// spanNames is a chart's job names in order, idle stretches left out.
func spanNames(segs []sched.Segment) string {
	var b strings.Builder
	for _, s := range segs {
		if !s.Idle() {
			b.WriteString(s.Name + " ")
		}
	}
	return b.String()
}
