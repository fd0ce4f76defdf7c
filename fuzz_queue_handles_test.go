package mproc

import (
	"errors"
	"testing"
)

// FuzzDecodeQueueHandles is FuzzDecodeHandles for the handles it leaves
// out: SimpleQueue, JoinableQueue and SharedMemory (a name, attached in
// /dev/shm: the fuzzer can't guess the random names there, so it only
// reaches the refusals).
func FuzzDecodeQueueHandles(f *testing.F) {
	sq, err := NewSimpleQueue[int]()
	if err != nil {
		f.Fatal(err)
	}
	jq, err := NewJoinableQueue[string](4)
	if err != nil {
		f.Fatal(err)
	}
	for _, m := range []interface{ MarshalBinary() ([]byte, error) }{sq, jq} {
		b, err := m.MarshalBinary()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte{0xa1, 0x64, 'N', 'a', 'm', 'e', 0x66, 'm', 'p', 'r', 'o', 'c', '_'})
	f.Add([]byte{0xa1, 0x64, 'N', 'a', 'm', 'e', 0x62, '.', '.'})
	f.Fuzz(func(t *testing.T, b []byte) {
		var s SimpleQueue[int]
		if err := s.UnmarshalBinary(b); err == nil {
			s.Close()
		} else if !errors.Is(err, ErrCorrupt) {
			t.Fatalf("SimpleQueue: %v, want ErrCorrupt", err)
		}
		var j JoinableQueue[string]
		if err := j.UnmarshalBinary(b); err == nil {
			j.Close()
		} else if !errors.Is(err, ErrCorrupt) {
			t.Fatalf("JoinableQueue: %v, want ErrCorrupt", err)
		}
		var m SharedMemory
		if m.UnmarshalBinary(b) == nil {
			m.Close()
		}
	})
}
