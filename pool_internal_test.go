package mproc

import (
	"bytes"
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
