package pyconn

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"testing"

	"mproc/internal/wire"
)

// FuzzReadMessage: any bytes give a message within max, taken whole from
// the front of the stream, or one of the documented errors.
func FuzzReadMessage(f *testing.F) {
	f.Add([]byte{0, 0, 0, 2, 'h', 'i'}, uint16(10))
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 1, 'x'}, uint16(10))
	f.Add([]byte{0xff, 0xff, 0xff, 0xfe}, uint16(10))
	f.Add([]byte{0, 0, 1, 0}, uint16(10))
	f.Add([]byte{}, uint16(0))
	f.Fuzz(func(t *testing.T, data []byte, max uint16) {
		r := bytes.NewReader(data)
		msg, err := ReadMessage(r, int(max))
		if err != nil {
			for _, want := range []error{io.EOF, io.ErrUnexpectedEOF, wire.ErrCorrupt, wire.ErrTooLarge} {
				if errors.Is(err, want) {
					return
				}
			}
			t.Fatalf("undocumented error %v", err)
		}
		if len(msg) > int(max) {
			t.Fatalf("a %d-byte message passed a limit of %d", len(msg), max)
		}
		used := data[:len(data)-r.Len()]
		if !bytes.HasSuffix(used, msg) || (len(used) != 4+len(msg) && len(used) != 12+len(msg)) {
			t.Fatalf("message %q from %q", msg, used)
		}
	})
}

// FuzzUnmarshal: any bytes decode without panicking, or fail with one of
// wire's sentinels; what decodes marshals back to the same value.
func FuzzUnmarshal(f *testing.F) {
	for _, v := range []any{nil, Tuple{1, "a", []byte("b")}, map[string]any{"k": []any{1.5, true}}} {
		f.Add(mustMarshal(v))
	}
	f.Add([]byte("\x80\x04]\x94(]\x94K\x01ah\x01e."))
	f.Add([]byte("cos\nsystem\n(S'echo hi'\ntR."))
	f.Fuzz(func(t *testing.T, data []byte) {
		var v any
		err := Unmarshal(data, &v)
		checkSentinel(t, err)
		var typed map[string][]int
		checkSentinel(t, Unmarshal(data, &typed))
		if err != nil {
			return
		}
		p, err := Marshal(v)
		if err != nil {
			// Python strs that are not UTF-8 (lone surrogates) decode, but
			// Marshal will not write them back.
			if !errors.Is(err, wire.ErrUnencodable) {
				t.Fatalf("Marshal of a decoded %#v: %v", v, err)
			}
			return
		}
		var back any
		if err := Unmarshal(p, &back); err != nil {
			t.Fatalf("%#v does not decode after Marshal: %v", v, err)
		}
		if a, b := fmt.Sprintf("%#v", v), fmt.Sprintf("%#v", back); a != b {
			t.Fatalf("round trip changed\n%s\ninto\n%s", a, b)
		}
	})
}

func checkSentinel(t *testing.T, err error) {
	t.Helper()
	if err == nil || errors.Is(err, wire.ErrCorrupt) || errors.Is(err, wire.ErrUnencodable) || errors.Is(err, wire.ErrTooLarge) {
		return
	}
	t.Fatalf("an error that wraps none of wire's sentinels: %v", err)
}
