package sched

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// ParseCSV reads a job list: a header naming the columns name, arrival and
// burst, and optionally priority, in any order (case and surrounding spaces
// do not matter), then one job per record. Lines starting with # are
// comments; blank lines are skipped. Every job is validated as Run would,
// and errors say on which line.
//
//	name,arrival,burst,priority
//	P1,0,10,3
//	P2,0,1,1
func ParseCSV(r io.Reader) ([]Job, error) {
	br := bufio.NewReader(r)
	if bom, _ := br.Peek(3); string(bom) == "\ufeff" { // as spreadsheets write
		br.Discard(3)
	}
	cr := csv.NewReader(br)
	cr.Comment = '#'
	cr.TrimLeadingSpace = true
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("sched: %w: no header (want name,arrival,burst[,priority])", ErrBadCSV)
	}
	if err != nil {
		return nil, csvError(err)
	}
	cols, err := columns(header)
	if err != nil {
		return nil, err
	}
	var jobs []Job
	seen := map[string]int{}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, csvError(err)
		}
		line, _ := cr.FieldPos(0)
		j, err := cols.job(rec)
		if err == nil {
			err = j.check()
		}
		if k, dup := seen[j.Name]; err == nil && dup {
			err = fmt.Errorf("%w: line %d has it too", ErrDuplicateName, k)
		}
		if err != nil {
			return nil, fmt.Errorf("sched: line %d: %w", line, err)
		}
		seen[j.Name] = line
		jobs = append(jobs, j)
	}
	if err := validate(jobs); err != nil { // no jobs, too much work
		return nil, err
	}
	return jobs, nil
}

// csvError wraps an error of encoding/csv, which says where.
func csvError(err error) error { return fmt.Errorf("sched: %w: %w", ErrBadCSV, err) }

// columnIndex is where each field is in a record; priority is -1 when absent.
type columnIndex struct{ name, arrival, burst, priority int }

func columns(header []string) (columnIndex, error) {
	c := columnIndex{-1, -1, -1, -1}
	for k, h := range header {
		h = strings.ToLower(strings.TrimSpace(h))
		var p *int
		switch h {
		case "name":
			p = &c.name
		case "arrival":
			p = &c.arrival
		case "burst":
			p = &c.burst
		case "priority":
			p = &c.priority
		default:
			return c, fmt.Errorf("sched: line 1: %w: unknown column %q (want name,arrival,burst[,priority])", ErrBadCSV, h)
		}
		if *p >= 0 {
			return c, fmt.Errorf("sched: line 1: %w: column %q twice", ErrBadCSV, h)
		}
		*p = k
	}
	if c.name < 0 || c.arrival < 0 || c.burst < 0 {
		return c, fmt.Errorf("sched: line 1: %w: the header must name the columns name, arrival and burst", ErrBadCSV)
	}
	return c, nil
}

func (c columnIndex) job(rec []string) (Job, error) {
	j := Job{Name: strings.TrimSpace(rec[c.name])}
	fields := []struct {
		col  int
		name string
		dst  *int
	}{{c.arrival, "arrival", &j.Arrival}, {c.burst, "burst", &j.Burst}, {c.priority, "priority", &j.Priority}}
	for _, f := range fields {
		if f.col < 0 {
			continue
		}
		v, err := strconv.Atoi(strings.TrimSpace(rec[f.col]))
		if errors.Is(err, strconv.ErrRange) {
			return j, fmt.Errorf("%w: %s %s is out of range", ErrTooLarge, f.name, rec[f.col])
		}
		if err != nil {
			return j, fmt.Errorf("%w: %s %q is not an integer", ErrBadCSV, f.name, rec[f.col])
		}
		*f.dst = v
	}
	return j, nil
}
