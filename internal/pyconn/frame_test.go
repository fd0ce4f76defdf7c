package pyconn

import (
	"bytes"
	"errors"
	"io"
	"math"
	"testing"
	"testing/iotest"

	"mproc/internal/wire"
)

func TestFrameRoundTrip(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	sizes := []int{0, 1, joinLimit, joinLimit + 1, eagerAlloc + 12345}
	for _, n := range sizes {
		p := bytes.Repeat([]byte{byte(n)}, n)
		if err := WriteMessage(&buf, p); err != nil {
			t.Fatal(err)
		}
	}
	// One byte at a time: short reads must not split or lose anything.
	r := iotest.OneByteReader(&buf)
	for _, n := range sizes {
		got, err := ReadMessage(r, 1<<20)
		if err != nil || len(got) != n || (n > 0 && got[n-1] != byte(n)) {
			t.Fatalf("message of %d bytes: got %d bytes, %v", n, len(got), err)
		}
	}
	if _, err := ReadMessage(r, 1<<20); err != io.EOF {
		t.Fatalf("after the last message: %v, want io.EOF", err)
	}
}

// CPython's header: 4-byte big-endian signed, or -1 then 8 bytes above
// 2 GiB - 1 (too big to write here, so the header alone is checked).
func TestHeader(t *testing.T) {
	t.Parallel()
	if h := header(5); !bytes.Equal(h, []byte{0, 0, 0, 5}) {
		t.Errorf("header(5) = % x", h)
	}
	if h := header(math.MaxInt32); !bytes.Equal(h, []byte{0x7f, 0xff, 0xff, 0xff}) {
		t.Errorf("header(MaxInt32) = % x", h)
	}
	want := []byte{0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0x80, 0, 0, 0}
	if h := header(math.MaxInt32 + 1); !bytes.Equal(h, want) {
		t.Errorf("header(MaxInt32+1) = % x, want % x", h, want)
	}
	// The long form is read whatever its size.
	got, err := ReadMessage(bytes.NewReader([]byte{0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 2, 'h', 'i'}), 10)
	if err != nil || string(got) != "hi" {
		t.Fatalf("long header: %q, %v", got, err)
	}
}

// limitedReader fails the test if asked for more than its first n bytes.
type limitedReader struct {
	t *testing.T
	r io.Reader
	n int
}

func (f *limitedReader) Read(p []byte) (int, error) {
	if len(p) > f.n {
		p = p[:f.n]
	}
	if len(p) == 0 {
		f.t.Fatal("the body of a refused message was read")
	}
	n, err := f.r.Read(p)
	f.n -= n
	return n, err
}

func TestFrameRefusals(t *testing.T) {
	t.Parallel()
	huge := []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}
	for _, c := range []struct {
		name string
		in   []byte
		max  int
		want error
	}{
		{"above max", append([]byte{0, 0, 0, 11}, make([]byte, 11)...), 10, wire.ErrTooLarge},
		{"8-byte length beyond int64", huge, 1 << 30, wire.ErrTooLarge},
		{"negative max", []byte{0, 0, 0, 1, 'x'}, -1, wire.ErrTooLarge},
		{"length -2", []byte{0xff, 0xff, 0xff, 0xfe}, 10, wire.ErrCorrupt},
		{"most negative length", []byte{0x80, 0, 0, 0}, 10, wire.ErrCorrupt},
		{"half a header", []byte{0, 0}, 10, io.ErrUnexpectedEOF},
		{"half a long header", []byte{0xff, 0xff, 0xff, 0xff, 0, 0}, 10, io.ErrUnexpectedEOF},
		{"nothing after -1", []byte{0xff, 0xff, 0xff, 0xff}, 10, io.ErrUnexpectedEOF},
		{"half a body", []byte{0, 0, 0, 4, 'a', 'b'}, 10, io.ErrUnexpectedEOF},
		{"half a big body", []byte{0, 0x10, 0, 0, 'a', 'b'}, 1 << 30, io.ErrUnexpectedEOF},
		{"empty", nil, 10, io.EOF},
	} {
		hdr := 4
		if len(c.in) >= 4 && bytes.Equal(c.in[:4], huge[:4]) {
			hdr = 12
		}
		var r io.Reader = bytes.NewReader(c.in)
		if c.want == wire.ErrTooLarge {
			r = &limitedReader{t: t, r: r, n: hdr} // the body must stay unread
		}
		_, err := ReadMessage(r, c.max)
		if !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
}

// A reader's own error inside a message is passed on as it is.
func TestFrameReaderError(t *testing.T) {
	t.Parallel()
	boom := errors.New("boom")
	r := io.MultiReader(bytes.NewReader([]byte{0, 0, 0, 9, 'a'}), iotest.ErrReader(boom))
	if _, err := ReadMessage(r, 100); !errors.Is(err, boom) {
		t.Fatalf("%v, want boom", err)
	}
}

// A writer's failure is reported, for the joined and the split write.
func TestWriteMessageError(t *testing.T) {
	t.Parallel()
	for _, n := range []int{3, joinLimit + 1} {
		if err := WriteMessage(errWriter{}, make([]byte, n)); err == nil {
			t.Errorf("%d bytes: no error from a failing writer", n)
		}
	}
}

type errWriter struct{}

func (errWriter) Write([]byte) (int, error) { return 0, errors.New("closed") }
