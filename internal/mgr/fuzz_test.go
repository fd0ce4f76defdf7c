package mgr

import (
	"bytes"
	"context"
	"testing"
)

// FuzzRequest feeds the server's decoder, and then the server, arbitrary
// bytes: neither may panic, and what decodes re-encodes to the same bytes.
func FuzzRequest(f *testing.F) {
	f.Add(AppendRequest(nil, &Request{Op: OpCreate, Args: [][]byte{[]byte(KindDict)}}))
	f.Add(AppendRequest(nil, &Request{Op: OpDictSet, Obj: 1, Args: [][]byte{[]byte("k"), []byte("v")}}))
	f.Add(AppendRequest(nil, &Request{Op: OpDictApply, Obj: 1, Args: [][]byte{[]byte("k"), []byte("add"), {ClassInt, 8}, make([]byte, 8)}}))
	f.Add(AppendRequest(nil, &Request{Op: OpCreate, Args: [][]byte{[]byte(KindType), []byte("nope")}}))
	f.Add([]byte{1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 255, 255, 255, 255})
	s := NewServer()
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := DecodeRequest(b)
		if err != nil {
			return
		}
		if again := AppendRequest(nil, &r); !bytes.Equal(again, b) {
			t.Fatalf("re-encoded %x as %x", b, again)
		}
		// Objects the fuzzer can name: ids 1.. of this server's epoch.
		r.Obj = s.epoch | r.Obj&0xff
		r.Flags |= FlagNoWait // nothing may block a fuzz run
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		s.Handle(ctx, &r)
	})
}

// FuzzResponse feeds the client's decoder arbitrary bytes.
func FuzzResponse(f *testing.F) {
	f.Add(AppendResponse(nil, &Response{Vals: [][]byte{[]byte("x")}}))
	f.Add(AppendResponse(nil, &Response{Code: CodeKey, Msg: "no"}))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := DecodeResponse(b)
		if err != nil {
			return
		}
		if r.Code == CodeOK {
			if again := AppendResponse(nil, &r); !bytes.Equal(again, b) {
				t.Fatalf("re-encoded %x as %x", b, again)
			}
		}
	})
}
