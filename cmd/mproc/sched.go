package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"mproc/internal/gantt"
	"mproc/internal/schedrun"
	"mproc/sched"
)

// schedCmd is `mproc sched --algo NAME [--quantum Q] [--levels Q1,Q2,...]
// [--boost S] [--json] [--svg OUT] [--compare | --real [--unit D]]
// [--width N] FILE`.
type schedCmd struct {
	Algo    string
	Quantum int
	Levels  string // MLFQ quanta; default Quantum, 2*Quantum, 4*Quantum
	Boost   int
	JSON    bool
	SVG     string
	Compare bool
	Width   int // of the text chart; 0: $COLUMNS, else 80
	Real    bool
	Unit    time.Duration // of a --real run
	File    string
}

// schedAlgos are the --algo names, in the order --compare lists them.
var schedAlgos = []string{"fcfs", "sjf", "srtf", "priority", "priority-preemptive", "rr", "mlfq"}

func (c *schedCmd) flags(fs *flag.FlagSet) {
	fs.StringVar(&c.Algo, "algo", "fcfs", "the scheduling `policy`: "+strings.Join(schedAlgos, ", "))
	fs.IntVar(&c.Quantum, "quantum", 4, "the time quantum of rr, in the file's time units")
	fs.StringVar(&c.Levels, "levels", "", "mlfq's quanta, top level first, e.g. `2,4,8` (default: the quantum, doubled per level, 3 levels)")
	fs.IntVar(&c.Boost, "boost", 0, "mlfq: move every job back to the top level every `S` units (0: never)")
	fs.BoolVar(&c.JSON, "json", false, `print one JSON object {"algo","avg_waiting","avg_turnaround","avg_response","jobs":[...],"gantt":[...]}; with --compare, {"compare":[one per policy]}; with --real, a "real" object too`)
	fs.StringVar(&c.SVG, "svg", "", "also write the chart as SVG to `OUT`")
	fs.BoolVar(&c.Compare, "compare", false, "run every policy on the file and tabulate the averages")
	fs.IntVar(&c.Width, "width", 0, "the text chart's width in columns (default $COLUMNS, else 80)")
	fs.BoolVar(&c.Real, "real", false, `also run the jobs as real CPU-burning processes, one at a time on one CPU, dispatched along the simulation's plan with SIGCONT/SIGSTOP (not with --compare), and print the measured schedule beside the simulated one (with --json: a "real" object)`)
	fs.DurationVar(&c.Unit, "unit", 10*time.Millisecond, "--real: the wall and CPU time of one time unit of the file")
}

func (c *schedCmd) setArgs(a []string) error {
	if len(a) != 1 {
		return errors.New("sched takes one FILE, a CSV with the columns name,arrival,burst[,priority]")
	}
	c.File = a[0]
	if c.Width < 0 {
		return fmt.Errorf("--width %d is negative", c.Width)
	}
	if c.Real && c.Compare {
		return errors.New("--real runs one policy: drop --compare, or run --real once per --algo")
	}
	if c.Real && c.Unit < schedrun.MinUnit {
		return fmt.Errorf("--unit %v: %w, the least is %v", c.Unit, schedrun.ErrUnit, schedrun.MinUnit)
	}
	if c.Compare {
		_, err := c.policies()
		return err
	}
	_, err := c.policy(c.Algo)
	return err
}

// policy makes the policy called name with the command's parameters.
func (c *schedCmd) policy(name string) (sched.Policy, error) {
	switch name {
	case "fcfs":
		return sched.FCFS{}, nil
	case "sjf":
		return sched.SJF{}, nil
	case "srtf":
		return sched.SRTF{}, nil
	case "priority":
		return sched.Priority{}, nil
	case "priority-preemptive":
		return sched.Priority{Preemptive: true}, nil
	case "rr":
		if c.Quantum <= 0 {
			return nil, fmt.Errorf("--quantum %d: %w", c.Quantum, sched.ErrBadQuantum)
		}
		return sched.RR{Quantum: c.Quantum}, nil
	case "mlfq":
		quanta, err := c.levels()
		if err != nil {
			return nil, err
		}
		if c.Boost < 0 {
			return nil, fmt.Errorf("--boost %d: %w", c.Boost, sched.ErrBadBoost)
		}
		return sched.MLFQ{Quanta: quanta, Boost: c.Boost}, nil
	}
	return nil, fmt.Errorf("unknown --algo %q; known: %s", name, strings.Join(schedAlgos, ", "))
}

func (c *schedCmd) levels() ([]int, error) {
	if c.Levels == "" {
		if c.Quantum <= 0 || c.Quantum > sched.MaxTime {
			return nil, fmt.Errorf("--quantum %d: %w (mlfq's levels default to it)", c.Quantum, sched.ErrBadQuantum)
		}
		return []int{c.Quantum, 2 * c.Quantum, 4 * c.Quantum}, nil
	}
	var quanta []int
	for f := range strings.SplitSeq(c.Levels, ",") {
		q, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || q <= 0 {
			return nil, fmt.Errorf("--levels %q: each level's quantum must be a positive integer", c.Levels)
		}
		quanta = append(quanta, q)
	}
	return quanta, nil
}

func (c *schedCmd) policies() ([]sched.Policy, error) {
	var ps []sched.Policy
	for _, name := range schedAlgos {
		p, err := c.policy(name)
		if err != nil {
			return nil, err
		}
		ps = append(ps, p)
	}
	return ps, nil
}

// Run schedules the file's jobs and prints the result.
func (c *schedCmd) Run(a *app) error {
	jobs, err := c.readJobs()
	if err != nil {
		return err
	}
	var ps []sched.Policy
	if c.Compare {
		ps, _ = c.policies() // checked by setArgs
	} else {
		p, _ := c.policy(c.Algo)
		ps = append(ps, p)
	}
	var runs []sched.Schedule
	for _, p := range ps {
		s, err := sched.Run(jobs, p)
		if err != nil {
			return err
		}
		runs = append(runs, s)
	}
	if c.SVG != "" {
		if err := c.writeSVG(jobs, ps, runs); err != nil {
			return err
		}
		defer fmt.Fprintf(a.stderr, "sched: wrote %s\n", c.SVG)
	}
	if c.Real {
		return c.runReal(a, jobs, ps[0])
	}
	switch {
	case c.JSON && c.Compare:
		out := struct {
			Compare []schedJSON `json:"compare"`
		}{}
		for _, s := range runs {
			out.Compare = append(out.Compare, toJSON(s))
		}
		return writeJSON(a.stdout, out)
	case c.JSON:
		return writeJSON(a.stdout, toJSON(runs[0]))
	case c.Compare:
		fmt.Fprintf(a.stdout, "%d jobs from %s, every policy:\n\n", len(jobs), c.File)
		gantt.Compare(a.stdout, ps, runs)
		return nil
	}
	fmt.Fprintf(a.stdout, "%s: %d jobs from %s\n\n", gantt.Describe(ps[0]), len(jobs), c.File)
	gantt.Chart(a.stdout, runs[0].Gantt, c.width())
	fmt.Fprintln(a.stdout)
	gantt.JobTable(a.stdout, runs[0])
	return nil
}

func (c *schedCmd) readJobs() ([]sched.Job, error) {
	f, err := os.Open(c.File)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	jobs, err := sched.ParseCSV(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", c.File, err)
	}
	return jobs, nil
}

func (c *schedCmd) width() int {
	if c.Width > 0 {
		return c.Width
	}
	if n, err := strconv.Atoi(os.Getenv("COLUMNS")); err == nil && n > 0 {
		return n
	}
	return 80
}

func (c *schedCmd) writeSVG(jobs []sched.Job, ps []sched.Policy, runs []sched.Schedule) error {
	f, err := os.Create(c.SVG)
	if err != nil {
		return err
	}
	if c.Compare {
		err = writeCompareSVG(f, fmt.Sprintf("every policy on %s", filepath.Base(c.File)), jobs, ps, runs)
	} else {
		err = writeScheduleSVG(f, jobs, fmt.Sprintf("%s on %s", gantt.Describe(ps[0]), filepath.Base(c.File)), runs[0])
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// schedJSON is the --json object.
type schedJSON struct {
	Algo          string          `json:"algo"`
	AvgWaiting    float64         `json:"avg_waiting"`
	AvgTurnaround float64         `json:"avg_turnaround"`
	AvgResponse   float64         `json:"avg_response"`
	Jobs          []schedJobJSON  `json:"jobs"`
	Gantt         []sched.Segment `json:"gantt"` // idle stretches have the name ""
}

type schedJobJSON struct {
	Name       string `json:"name"`
	Start      int    `json:"start"`
	Finish     int    `json:"finish"`
	Waiting    int    `json:"waiting"`
	Turnaround int    `json:"turnaround"`
	Response   int    `json:"response"`
}

func toJSON(s sched.Schedule) schedJSON {
	out := schedJSON{Algo: s.Policy, AvgWaiting: s.AvgWaiting, AvgTurnaround: s.AvgTurnaround, AvgResponse: s.AvgResponse, Gantt: s.Gantt}
	for _, j := range s.Jobs {
		out.Jobs = append(out.Jobs, schedJobJSON{j.Name, j.Start, j.Finish, j.Waiting, j.Turnaround, j.Response})
	}
	return out
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	return enc.Encode(v)
}
