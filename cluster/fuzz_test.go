package cluster

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"mproc"
)

// FuzzParseTask feeds task messages as anyone who can publish on a pool's
// subject could write them: parseTask either accepts them whole or fails
// with ErrCorrupt, and never panics.
func FuzzParseTask(f *testing.F) {
	good := task{id: "abc.1", fn: "square", kind: 1, sig: "int -> int", version: "v1",
		deadline: time.Unix(1700000000, 0), timeout: time.Second, payload: []byte{7}}
	h := good.header()
	f.Add(h.Get(hdrID), h.Get(hdrFunc), h.Get(hdrKind), h.Get(hdrDeadline), h.Get(hdrTimeout), []byte{7})
	f.Add("", "f", "1", "", "", []byte(nil))
	f.Add("a..b", "f", "2", "-1", "0", []byte("x"))
	f.Add("a.b", "f", "300", "9999999999999999999", "x", []byte("x"))
	f.Fuzz(func(t *testing.T, id, fn, kind, deadline, timeout string, data []byte) {
		h := nats.Header{}
		h.Set(hdrID, id)
		h.Set(hdrFunc, fn)
		h.Set(hdrKind, kind)
		h.Set(hdrDeadline, deadline)
		h.Set(hdrTimeout, timeout)
		tk, err := parseTask(h, data)
		if err != nil {
			if !errors.Is(err, mproc.ErrCorrupt) {
				t.Fatalf("an error that is not ErrCorrupt: %v", err)
			}
			return
		}
		if !validKey(tk.id) || tk.fn == "" || tk.kind == 0 || tk.timeout < 0 {
			t.Fatalf("accepted a bad task: %+v", tk)
		}
		// What parses goes back into the same headers.
		back, err := parseTask(tk.header(), data)
		if err != nil || back.id != tk.id || back.kind != tk.kind || !back.deadline.Equal(tk.deadline) || back.timeout != tk.timeout {
			t.Fatalf("round trip: %+v, %v; want %+v", back, err, tk)
		}
	})
}

// FuzzDecodeResult feeds stored results as anyone who can write the
// results bucket could: decodeResult returns a value, a task's error, or
// ErrCorrupt, and never panics.
func FuzzDecodeResult(f *testing.F) {
	f.Add(encodeOK([]byte{1, 2, 3}))
	f.Add(encodeFailed("host/1", 2, errors.New("boom"), 0))
	f.Add(encodeFailed("host/1", 2, mproc.ErrTimeout, 3))
	f.Add([]byte{})
	f.Add([]byte{'E', 0xff})
	f.Add([]byte{'X'})
	f.Fuzz(func(t *testing.T, b []byte) {
		v, err := decodeResult("t.1", b)
		switch {
		case err == nil:
			if len(b) == 0 || b[0] != resultOK || len(v) != len(b)-1 {
				t.Fatalf("accepted %q as %q", b, v)
			}
		case errors.Is(err, mproc.ErrCorrupt):
		default:
			var re *mproc.RemoteError
			if !errors.As(err, &re) {
				t.Fatalf("a task's error that is not a RemoteError: %T %v", err, err)
			}
		}
	})
}

// FuzzDictKey feeds dict keys as anyone who can write the bucket could.
func FuzzDictKey(f *testing.F) {
	d := &Dict[string, int]{kc: newStringCoder()}
	k, _ := d.key("hello")
	f.Add(k)
	f.Add("k")
	f.Add("x")
	f.Add("k!!")
	f.Fuzz(func(t *testing.T, s string) {
		got, err := d.decodeKey(s)
		if err != nil {
			return
		}
		back, err := d.key(got)
		if err != nil || (back != s && !strings.HasPrefix(s, "k")) {
			t.Fatalf("key %q decoded to %q, which encodes to %q, %v", s, got, back, err)
		}
	})
}
