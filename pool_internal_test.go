package mproc

import (
	"bytes"
	"slices"
	"testing"
	"time"
)

// Several tasks in one message come back out in order, each whole.
func TestTaskBatchEncoding(t *testing.T) {
	deadline := time.Unix(0, 1_700_000_000_123_456_789)
	type task struct {
		id       uint64
		kind     byte
		deadline time.Time
		timeout  time.Duration
		name     string
		payload  []byte
	}
	in := []task{
		{1, taskSingle, time.Time{}, 0, "a", []byte{1, 2, 3}},
		{7, taskChunk, deadline, time.Second, "some.name", nil},
		{9, taskSingle, time.Time{}, 0, "", bytes.Repeat([]byte{9}, 1000)},
	}
	var b []byte
	for _, x := range in {
		b = appendTask(b, x.id, x.kind, x.deadline, x.timeout, x.name, x.payload)
	}
	for i, x := range in {
		m, rest, err := decodeTask(b)
		if err != nil {
			t.Fatalf("task %d: %v", i, err)
		}
		var dl int64
		if !x.deadline.IsZero() {
			dl = x.deadline.UnixNano()
		}
		if m.id != x.id || m.kind != x.kind || m.deadline != dl || m.timeout != x.timeout || string(m.name) != x.name || !bytes.Equal(m.payload, x.payload) {
			t.Fatalf("task %d: got %+v, want %+v", i, m, x)
		}
		b = rest
	}
	if len(b) != 0 {
		t.Fatalf("%d bytes left over", len(b))
	}
	// A task cut short is corrupt, not read past its end.
	b = appendTask(nil, 1, taskSingle, time.Time{}, 0, "name", []byte("payload"))
	for n := range len(b) {
		if _, _, err := decodeTask(b[:n]); err == nil {
			t.Fatalf("a task cut to %d of %d bytes decoded", n, len(b))
		}
	}
}

// A taskList keeps its tasks in order through growth, wrap-around and
// removals from anywhere.
func TestTaskList(t *testing.T) {
	var l taskList
	var want []*execTask
	next := uint64(0)
	check := func(step string) {
		t.Helper()
		var got []*execTask
		for x := range l.all() {
			got = append(got, x)
		}
		if l.len() != len(want) || !slices.Equal(got, want) {
			t.Fatalf("%s: %d tasks %v, want %v", step, l.len(), got, want)
		}
		for _, x := range want {
			if l.find(x.id) != x {
				t.Fatalf("%s: task %d not found", step, x.id)
			}
		}
	}
	for round := range 50 {
		for range round%7 + 1 {
			next++
			x := &execTask{id: next}
			l.push(x)
			want = append(want, x)
		}
		check("push")
		// The oldest, mostly; now and then one from the middle or the end.
		i := 0
		if round%3 == 2 {
			i = len(want) / 2
		} else if round%5 == 4 {
			i = len(want) - 1
		}
		l.remove(want[i])
		want = slices.Delete(want, i, i+1)
		check("remove")
	}
	if l.find(next+1) != nil {
		t.Fatal("found a task never pushed")
	}
	l.reset()
	want = nil
	check("reset")
}
