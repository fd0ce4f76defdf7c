package sched_test

import (
	"bytes"
	"encoding/csv"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"mproc/sched"
)

func TestParseCSV(t *testing.T) {
	t.Parallel()
	in := "\ufeff# a comment\n Name , BURST,arrival,Priority\n\nP1, 10, 0, 3\n\"P 2\",1,0,-1\n# another\nP3,2,4,0\n"
	jobs, err := sched.ParseCSV(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	want := []sched.Job{{"P1", 0, 10, 3}, {"P 2", 0, 1, -1}, {"P3", 4, 2, 0}}
	if !slices.Equal(jobs, want) {
		t.Errorf("jobs %+v, want %+v", jobs, want)
	}
	jobs, err = sched.ParseCSV(strings.NewReader("name,arrival,burst\nA,0,5\n"))
	if err != nil || !slices.Equal(jobs, []sched.Job{{Name: "A", Burst: 5}}) {
		t.Errorf("without priority: %+v, %v", jobs, err)
	}
}

func TestParseCSVRejects(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, in string
		want     error
		text     string
	}{
		{"empty", "", sched.ErrBadCSV, "no header"},
		{"only comments", "# nothing\n", sched.ErrBadCSV, "no header"},
		{"header only", "name,arrival,burst\n", sched.ErrNoJobs, "no jobs"},
		{"missing column", "name,burst\nA,1\n", sched.ErrBadCSV, "must name the columns"},
		{"unknown column", "name,arrival,burst,colour\nA,0,1,red\n", sched.ErrBadCSV, `unknown column "colour"`},
		{"column twice", "name,arrival,burst,burst\nA,0,1,1\n", sched.ErrBadCSV, `column "burst" twice`},
		{"short record", "name,arrival,burst\nA,0\n", sched.ErrBadCSV, "wrong number of fields"},
		{"bad quote", "name,arrival,burst\nA\"b,0,1\n", sched.ErrBadCSV, "line 2"},
		{"not a number", "name,arrival,burst\nA,0,1\nB,x,1\n", sched.ErrBadCSV, `line 3: bad job CSV: arrival "x" is not an integer`},
		{"fraction", "name,arrival,burst\nA,0,1.5\n", sched.ErrBadCSV, `burst "1.5"`},
		{"out of range", "name,arrival,burst\nA,0,99999999999999999999\n", sched.ErrTooLarge, "out of range"},
		{"empty priority", "name,arrival,burst,priority\nA,0,1,\n", sched.ErrBadCSV, "priority"},
		{"negative burst", "name,arrival,burst\nA,0,1\n\nB,0,-1\n", sched.ErrNonPositiveBurst, "line 4: burst must be positive, got -1"},
		{"negative arrival", "name,arrival,burst\nA,-2,1\n", sched.ErrNegativeArrival, "line 2"},
		{"empty name", "name,arrival,burst\n ,0,1\n", sched.ErrBadName, "line 2"},
		{"duplicate", "name,arrival,burst\nA,0,1\nB,0,1\nA,0,2\n", sched.ErrDuplicateName, "line 4: duplicate job name: line 2 has it too"},
		{"too much work", "name,arrival,burst\nA,0,9007199254740992\nB,0,1\n", sched.ErrTooLarge, "MaxTime"},
	}
	for _, c := range cases {
		_, err := sched.ParseCSV(strings.NewReader(c.in))
		if !errors.Is(err, c.want) || !strings.Contains(err.Error(), c.text) || !strings.HasPrefix(err.Error(), "sched: ") {
			t.Errorf("%s: %v; want %v containing %q", c.name, err, c.want, c.text)
		}
	}
}

// The sample files are the textbook examples: they parse, and give the
// published averages.
func TestSampleFiles(t *testing.T) {
	t.Parallel()
	cases := []struct {
		file    string
		policy  sched.Policy
		waiting float64
	}{
		{"sgg-fcfs.csv", sched.FCFS{}, 17},
		{"sgg-sjf.csv", sched.SJF{}, 7},
		{"sgg-srtf.csv", sched.SRTF{}, 6.5},
		{"sgg-srtf.csv", sched.SJF{}, 7.75},
		{"sgg-priority.csv", sched.Priority{}, 8.2},
		{"ostep-mlfq.csv", sched.MLFQ{Quanta: []int{10, 10, 10}}, 10},
	}
	for _, c := range cases {
		f, err := os.Open(filepath.Join("testdata", c.file))
		if err != nil {
			t.Fatal(err)
		}
		jobs, err := sched.ParseCSV(f)
		f.Close()
		if err != nil {
			t.Fatalf("%s: %v", c.file, err)
		}
		s, err := sched.Run(jobs, c.policy)
		if err != nil || s.AvgWaiting != c.waiting {
			t.Errorf("%s with %s: average waiting %v, %v; want %v", c.file, c.policy.Name(), s.AvgWaiting, err, c.waiting)
		}
	}
}

// FuzzParseCSV: whatever the input, ParseCSV returns valid jobs or an error
// matching one of the sentinels; valid jobs schedule, and write back to a
// CSV that parses to the same jobs.
func FuzzParseCSV(f *testing.F) {
	for _, name := range []string{"sgg-fcfs.csv", "sgg-priority.csv", "ostep-mlfq.csv"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte("burst,name,arrival\n3,\"a,b\",1\n"))
	f.Add([]byte("name,arrival,burst\nA,0,-1\n"))
	sentinels := []error{sched.ErrBadCSV, sched.ErrNoJobs, sched.ErrBadName, sched.ErrDuplicateName,
		sched.ErrNegativeArrival, sched.ErrNonPositiveBurst, sched.ErrTooLarge}
	f.Fuzz(func(t *testing.T, in []byte) {
		jobs, err := sched.ParseCSV(bytes.NewReader(in))
		if err != nil {
			if !slices.ContainsFunc(sentinels, func(s error) bool { return errors.Is(err, s) }) {
				t.Fatalf("error without a sentinel: %v", err)
			}
			return
		}
		if _, err := sched.Run(jobs, sched.SRTF{}); err != nil {
			t.Fatalf("parsed jobs do not schedule: %v", err)
		}
		var b bytes.Buffer
		w := csv.NewWriter(&b)
		// The name goes last: csv.Writer does not quote a leading #, which
		// would make the line a comment.
		w.Write([]string{"arrival", "burst", "priority", "name"})
		for _, j := range jobs {
			w.Write([]string{strconv.Itoa(j.Arrival), strconv.Itoa(j.Burst), strconv.Itoa(j.Priority), j.Name})
		}
		w.Flush()
		again, err := sched.ParseCSV(&b)
		if err != nil || !slices.Equal(again, jobs) {
			t.Fatalf("round trip: %+v, %v; want %+v", again, err, jobs)
		}
	})
}
