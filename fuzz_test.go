package mproc

import (
	"testing"

	"mproc/internal/shm"
	"mproc/internal/wire"
)

// Messages a child or parent decodes from the other side must fail cleanly
// on any bytes.
func FuzzDecodeMessages(f *testing.F) {
	f.Add(encodeMsg(bootstrap{Func: "f", Arg: []byte{1, 2}, Name: "Process-1", Identity: []int{1, 2}, Attach: attachDesc{Segs: []shm.Desc{{Size: 4096}}}}))
	f.Add(encodeMsg(newFailure(ErrTimeout)))
	f.Add(encodeMsg(sharedResult{Result: []byte("x"), Attach: attachDesc{Segs: []shm.Desc{{Size: 8192}}, Socks: []shm.ID{{1}}}}))
	f.Add([]byte{0xa1, 0x64, 'F', 'u', 'n', 'c', 0x19, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, b []byte) {
		var bs bootstrap
		if decodeMsg(b, &bs) == nil {
			if _, err := wire.CBOR.Marshal(bs); err != nil {
				t.Fatalf("a decoded bootstrap does not encode: %v", err)
			}
		}
		var fl failure
		if decodeMsg(b, &fl) == nil {
			_ = fl.remote("p", 1).Error()
		}
		var sr sharedResult
		decodeMsg(b, &sr)
	})
}

// Handles name shared memory by id, offset and sizes; a hostile handle must
// never map or index outside a segment.
func FuzzDecodeHandles(f *testing.F) {
	l, err := NewLock()
	if err != nil {
		f.Fatal(err)
	}
	v, _ := NewValue[int64](7)
	a, _ := NewArray[int32](100)
	c, _ := NewCondition(l)
	q, _ := NewQueue[int](0)
	pa, pb, _ := Pipe(true)
	for _, m := range []interface{ MarshalBinary() ([]byte, error) }{l, v, a, c, q, pa, pb} {
		b, err := m.MarshalBinary()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var lk Lock
		if lk.UnmarshalBinary(b) == nil {
			Locked(&lk)
		}
		var rl RLock
		if rl.UnmarshalBinary(b) == nil {
			_ = rl.String()
		}
		var val Value[int64]
		if val.UnmarshalBinary(b) == nil {
			val.Load()
		}
		var arr Array[int32]
		if arr.UnmarshalBinary(b) == nil {
			for i := range arr.Len() {
				arr.Get(i)
			}
		}
		var cond Condition
		cond.UnmarshalBinary(b)
		var sem Semaphore
		if sem.UnmarshalBinary(b) == nil {
			sem.Value()
		}
		var ev Event
		if ev.UnmarshalBinary(b) == nil {
			ev.IsSet()
		}
		var bar Barrier
		if bar.UnmarshalBinary(b) == nil {
			bar.Broken()
		}
		var queue Queue[int]
		if queue.UnmarshalBinary(b) == nil {
			queue.Len()
		}
		var conn Conn
		if conn.UnmarshalBinary(b) == nil {
			conn.Close()
		}
	})
}
