package ring

import (
	"context"
	"encoding/binary"
	"testing"
	"time"
)

// A producer in another process can write anything into the ring; a
// consumer must fail cleanly, never panic or read outside the ring.
func FuzzGetHostileFrames(f *testing.F) {
	frame := func(n uint32, kind, flags uint16, payload []byte) []byte {
		b := make([]byte, headerSize, headerSize+len(payload))
		binary.LittleEndian.PutUint32(b[8:], n)
		binary.LittleEndian.PutUint16(b[12:], kind)
		binary.LittleEndian.PutUint16(b[14:], flags)
		return append(b, payload...)
	}
	f.Add(uint64(0), frame(3, kindWhole, 0, []byte("abc")))
	f.Add(uint64(MinSize-8), frame(1<<31, kindWhole, 0, nil))
	f.Add(uint64(100), frame(12, kindFirst, 1, binary.LittleEndian.AppendUint64(nil, 1<<40)))
	f.Add(uint64(24), frame(0, kindLast, 0, nil))
	f.Add(uint64(8), frame(0, 99, 0, nil))
	r, err := New(MinSize, 0) // one ring for all inputs: each has descriptors
	if err != nil {
		f.Fatal(err)
	}
	// Closed, a Get drains what is there, then ends: a first chunk whose
	// rest never comes no longer keeps it waiting for a live producer.
	r.Close()
	f.Fuzz(func(t *testing.T, head uint64, raw []byte) {
		head &^= 7 // frames are 8-aligned
		if len(raw) > MinSize {
			raw = raw[:MinSize]
		}
		*r.u64(offHead) = head
		*r.u64(offTail) = head + uint64(len(raw))
		copy(r.at(head), raw)
		*r.stamp(head) = head + 1 // commit whatever the bytes say
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Millisecond)
		defer cancel()
		r.Get(ctx, Options{NoWait: true}, func(p []byte, _ uint16) error {
			if len(p) > MinSize/2+8 {
				t.Fatalf("a %d-byte payload from a %d-byte ring", len(p), MinSize)
			}
			return nil
		})
	})
}

// A link frame in the ring and whatever a producer in another process
// wrote in the spill it names: a consumer must fail cleanly, never panic,
// read outside its windows or deliver more than a frame can hold.
func FuzzGetHostileSpill(f *testing.F) {
	frame := func(n uint32, kind, flags uint16, payload []byte) []byte {
		b := make([]byte, headerSize, headerSize+len(payload))
		binary.LittleEndian.PutUint32(b[8:], n)
		binary.LittleEndian.PutUint16(b[12:], kind)
		binary.LittleEndian.PutUint16(b[14:], flags)
		return append(b, payload...)
	}
	f.Add(uint64(0), uint64(0), uint64(0), frame(3, kindWhole, 0, []byte("abc")))
	f.Add(uint64(64), uint64(16), uint64(0), frame(0, kindSeal, 0, nil))
	f.Add(uint64(0), uint64(MinSize-16), uint64(MinSize-16), frame(0, kindPad, 0, nil))
	f.Add(uint64(8), uint64(MinSize-64), uint64(MinSize-64), frame(1<<20, kindWhole, 0, nil))
	f.Add(uint64(0), uint64(40), uint64(40), frame(12, kindFirst, 0, binary.LittleEndian.AppendUint64(nil, 100)))
	f.Add(uint64(0), uint64(1<<40), uint64(5), frame(0, kindLink, 0, nil))
	r, err := Make(Config{Size: MinSize, Spill: 4 * MinSize, Extent: MinSize})
	if err != nil {
		f.Fatal(err)
	}
	r.Close() // a Get drains what is there, then ends: no input makes it wait
	f.Fuzz(func(t *testing.T, head, start, spillHead uint64, raw []byte) {
		head &^= 7
		spillHead &^= 7
		link := frame(8, kindLink, 0, binary.LittleEndian.AppendUint64(nil, start))
		*r.u64(offHead) = head
		*r.u64(offTail) = head + uint64(len(link))
		copy(r.at(head), link)
		*r.stamp(head) = head + 1
		*r.u64(offSpillHead) = spillHead
		w, err := r.sp.at(&r.sp.prod, spillHead)
		if err != nil {
			t.Fatal(err)
		}
		if len(raw) >= 8 {
			raw = raw[:min(len(raw), len(w))]
			copy(w, raw)
			binary.LittleEndian.PutUint64(w, spillHead+1) // commit whatever the bytes say
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Millisecond)
		defer cancel()
		r.Get(ctx, Options{NoWait: true}, func(p []byte, _ uint16) error {
			if len(p) > MinSize/2+8 {
				t.Fatalf("a %d-byte payload from a %d-byte ring", len(p), MinSize)
			}
			return nil
		})
		clear(w[:min(len(w), len(raw)+8)]) // the next input starts from a clean extent
	})
}
