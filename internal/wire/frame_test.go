package wire

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"
	"testing/iotest"
)

// header builds a raw header, bypassing PutHeader, so that tests do not trust
// the code under test to describe the format.
func header(magicByte, kind, r2, r3 byte, n uint32) []byte {
	h := []byte{magicByte, kind, r2, r3, 0, 0, 0, 0}
	binary.LittleEndian.PutUint32(h[4:], n)
	return h
}

func randomBytes(seed uint64, n int) []byte {
	var key [32]byte
	binary.LittleEndian.PutUint64(key[:], seed)
	b := make([]byte, n)
	rand.NewChaCha8(key).Read(b)
	return b
}

func TestHeaderLayout(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	if err := WriteFrame(&buf, 0x42, []byte("hello")); err != nil {
		t.Fatal(err)
	}
	want := append(header(0xA7, 0x42, 0, 0, 5), "hello"...)
	if !bytes.Equal(buf.Bytes(), want) {
		t.Fatalf("WriteFrame wrote % x, want % x", buf.Bytes(), want)
	}

	h := make([]byte, HeaderSize)
	PutHeader(h, 9, 0x01020304)
	if want := header(0xA7, 9, 0, 0, 0x01020304); !bytes.Equal(h, want) {
		t.Fatalf("PutHeader wrote % x, want % x", h, want)
	}
	k, n, err := ParseHeader(h, 1<<30)
	if err != nil || k != 9 || n != 0x01020304 {
		t.Fatalf("ParseHeader = %d, %d, %v; want 9, %d, nil", k, n, err, 0x01020304)
	}
}

func TestFrameRoundTrip(t *testing.T) {
	t.Parallel()
	frames := []struct {
		kind    byte
		payload []byte
	}{
		{1, []byte("first")},
		{0, nil},
		{255, []byte{0xA7, 0, 0, 0, 0, 0, 0, 0}}, // payload that looks like a header
		{7, randomBytes(1, 4096)},
		{2, []byte{}},
		{3, randomBytes(2, 70_000)},
		{4, []byte("last")},
	}
	var buf bytes.Buffer
	for _, f := range frames {
		if err := WriteFrame(&buf, f.kind, f.payload); err != nil {
			t.Fatalf("WriteFrame(%d): %v", f.kind, err)
		}
	}
	wantLen := 0
	for _, f := range frames {
		wantLen += HeaderSize + len(f.payload)
	}
	if buf.Len() != wantLen {
		t.Fatalf("wrote %d bytes, want %d", buf.Len(), wantLen)
	}
	for i, f := range frames {
		k, p, err := ReadFrame(&buf, 1<<20)
		if err != nil {
			t.Fatalf("frame %d: %v", i, err)
		}
		if k != f.kind || !bytes.Equal(p, f.payload) {
			t.Fatalf("frame %d: got kind %d, %d bytes; want kind %d, %d bytes", i, k, len(p), f.kind, len(f.payload))
		}
	}
	if k, p, err := ReadFrame(&buf, 1<<20); err != io.EOF {
		t.Fatalf("after the last frame: got %d, %q, %v; want io.EOF", k, p, err)
	}
}

func TestFrameEmptyPayload(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	if err := WriteFrame(&buf, 5, nil); err != nil {
		t.Fatal(err)
	}
	if buf.Len() != HeaderSize {
		t.Fatalf("empty frame is %d bytes, want %d", buf.Len(), HeaderSize)
	}
	buf.WriteString("next") // must not be consumed as payload
	k, p, err := ReadFrame(&buf, 16)
	if err != nil || k != 5 || len(p) != 0 {
		t.Fatalf("ReadFrame = %d, %q, %v; want 5, empty, nil", k, p, err)
	}
	if buf.String() != "next" {
		t.Fatalf("ReadFrame consumed bytes after an empty frame: %q left", buf.String())
	}
}

type countingWriter struct {
	writes int
	bytes.Buffer
}

func (w *countingWriter) Write(p []byte) (int, error) {
	w.writes++
	return w.Buffer.Write(p)
}

func TestWriteFrameSingleWrite(t *testing.T) {
	t.Parallel()
	for _, n := range []int{0, 1, 1000, 1 << 20} {
		w := &countingWriter{}
		if err := WriteFrame(w, 1, make([]byte, n)); err != nil {
			t.Fatal(err)
		}
		if w.writes != 1 {
			t.Errorf("%d-byte payload: %d Write calls, want 1", n, w.writes)
		}
	}
}

func TestWriteFrameError(t *testing.T) {
	t.Parallel()
	boom := errors.New("boom")
	if err := WriteFrame(errWriter{boom}, 1, []byte("x")); !errors.Is(err, boom) {
		t.Fatalf("WriteFrame to a failing writer: %v, want %v", err, boom)
	}
}

type errWriter struct{ err error }

func (w errWriter) Write([]byte) (int, error) { return 0, w.err }

func TestReadFrameLimit(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		declare uint32
		limit   int
		tooBig  bool
	}{
		{"at limit", 100, 100, false},
		{"one over", 101, 100, true},
		{"max uint32", 1<<32 - 1, 1 << 20, true},
		{"zero limit means default, at default", DefaultMaxFrame, 0, false},
		{"zero limit means default, over", DefaultMaxFrame + 1, 0, true},
		{"negative limit means default", DefaultMaxFrame + 1, -1, true},
		{"limit above uint32", 1<<32 - 1, 1 << 40, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := header(0xA7, 1, 0, 0, tt.declare)
			_, n, perr := ParseHeader(h, tt.limit)
			// No payload follows: a header within the limit must then fail
			// with ErrUnexpectedEOF, one above it with ErrTooLarge.
			_, p, err := ReadFrame(bytes.NewReader(h), tt.limit)
			if p != nil {
				t.Errorf("ReadFrame returned a payload with error %v", err)
			}
			if tt.tooBig {
				if !errors.Is(perr, ErrTooLarge) || !errors.Is(err, ErrTooLarge) {
					t.Fatalf("ParseHeader: %v, ReadFrame: %v; want ErrTooLarge", perr, err)
				}
				if errors.Is(err, ErrCorrupt) {
					t.Fatalf("%v is also ErrCorrupt", err)
				}
				return
			}
			if perr != nil || n != int(tt.declare) {
				t.Fatalf("ParseHeader = %d, %v; want %d, nil", n, perr, tt.declare)
			}
			if err != io.ErrUnexpectedEOF {
				t.Fatalf("ReadFrame of a header alone: %v, want io.ErrUnexpectedEOF", err)
			}
		})
	}
}

// A peer can declare a payload just under the limit and send almost nothing.
// The reader must notice the end of the stream without having allocated
// anything like the declared size.
func TestReadFrameLyingHeaderAllocatesLittle(t *testing.T) {
	// Not parallel: it measures the heap.
	const limit = 1 << 30
	input := append(header(0xA7, 1, 0, 0, limit-1), "0123456789"...)

	// Warm up, so that one-time allocations are not counted.
	if _, _, err := ReadFrame(bytes.NewReader(input), limit); err != io.ErrUnexpectedEOF {
		t.Fatalf("ReadFrame: %v, want io.ErrUnexpectedEOF", err)
	}
	const runs = 16
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for range runs {
		_, p, err := ReadFrame(bytes.NewReader(input), limit)
		if err != io.ErrUnexpectedEOF || p != nil {
			t.Fatalf("ReadFrame = %d bytes, %v; want nil, io.ErrUnexpectedEOF", len(p), err)
		}
	}
	runtime.ReadMemStats(&after)
	perRun := (after.TotalAlloc - before.TotalAlloc) / runs
	const budget = 4 << 20
	if perRun > budget {
		t.Fatalf("ReadFrame allocated %d bytes per call for a 10-byte payload (budget %d)", perRun, budget)
	}
	t.Logf("%d bytes allocated per call", perRun)

	allocs := testing.AllocsPerRun(runs, func() {
		ReadFrame(bytes.NewReader(input), limit)
	})
	if allocs > 4 {
		t.Fatalf("%v allocations per call, want at most 4", allocs)
	}
}

// The same lie, but the bytes that do arrive come in over many reads and the
// total is several growth steps: what is read must be returned intact, and
// the memory used must follow what arrived, not what was declared.
func TestReadFrameGrowsWithInput(t *testing.T) {
	t.Parallel()
	payload := randomBytes(3, 5<<20+12345)
	var buf bytes.Buffer
	if err := WriteFrame(&buf, 3, payload); err != nil {
		t.Fatal(err)
	}
	readers := map[string]func(io.Reader) io.Reader{
		"plain":   func(r io.Reader) io.Reader { return r },
		"half":    iotest.HalfReader,
		"dataErr": iotest.DataErrReader, // last data comes with io.EOF
		"chunks":  func(r io.Reader) io.Reader { return &chunkReader{r: r, n: 4097} },
	}
	for name, wrap := range readers {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			k, p, err := ReadFrame(wrap(bytes.NewReader(buf.Bytes())), 8<<20)
			if err != nil || k != 3 || !bytes.Equal(p, payload) {
				t.Fatalf("ReadFrame = %d, %d bytes, %v; want 3, %d bytes (equal), nil", k, len(p), err, len(payload))
			}
			if cap(p) > 4*len(payload) {
				t.Errorf("payload of %d bytes has capacity %d", len(p), cap(p))
			}
		})
	}
}

type chunkReader struct {
	r io.Reader
	n int
}

func (c *chunkReader) Read(p []byte) (int, error) {
	return c.r.Read(p[:min(len(p), c.n)])
}

func TestReadFrameCorrupt(t *testing.T) {
	t.Parallel()
	tests := map[string][]byte{
		"bad magic":       header(0xA6, 1, 0, 0, 0),
		"zero magic":      header(0, 0, 0, 0, 0),
		"reserved byte 2": header(0xA7, 1, 1, 0, 0),
		"reserved byte 3": header(0xA7, 1, 0, 0x80, 0),
		"text":            []byte("GET / HTTP/1.1\r\n"),
		// Corruption is reported before the size is looked at.
		"bad magic, huge size": header(0x00, 1, 0, 0, 1<<32-1),
	}
	for name, in := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			_, p, err := ReadFrame(bytes.NewReader(in), 1<<20)
			if !errors.Is(err, ErrCorrupt) || p != nil {
				t.Fatalf("ReadFrame(% x) = %q, %v; want ErrCorrupt", in, p, err)
			}
			if errors.Is(err, ErrTooLarge) {
				t.Fatalf("%v is also ErrTooLarge", err)
			}
			if _, _, err := ParseHeader(in, 1<<20); !errors.Is(err, ErrCorrupt) {
				t.Fatalf("ParseHeader(% x): %v; want ErrCorrupt", in, err)
			}
		})
	}
}

func TestParseHeaderShort(t *testing.T) {
	t.Parallel()
	full := header(0xA7, 1, 0, 0, 0)
	for n := range HeaderSize {
		if _, _, err := ParseHeader(full[:n], 0); !errors.Is(err, ErrCorrupt) {
			t.Errorf("ParseHeader of %d bytes: %v, want ErrCorrupt", n, err)
		}
	}
	// Bytes beyond the header are ignored.
	if k, n, err := ParseHeader(append(full, 0xFF, 0xFF), 0); err != nil || k != 1 || n != 0 {
		t.Errorf("ParseHeader with trailing bytes = %d, %d, %v", k, n, err)
	}
}

func TestReadFrameTruncated(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	if err := WriteFrame(&buf, 1, []byte("payload!")); err != nil {
		t.Fatal(err)
	}
	frame := buf.Bytes()
	for n := range len(frame) {
		want := io.ErrUnexpectedEOF
		if n == 0 {
			want = io.EOF // clean end of stream between frames
		}
		_, p, err := ReadFrame(bytes.NewReader(frame[:n]), 1<<10)
		if err != want || p != nil {
			t.Errorf("%d of %d bytes: ReadFrame = %q, %v; want nil, %v", n, len(frame), p, err, want)
		}
	}
	if _, p, err := ReadFrame(bytes.NewReader(frame), 1<<10); err != nil || string(p) != "payload!" {
		t.Fatalf("whole frame: %q, %v", p, err)
	}
}

func TestReadFrameReaderError(t *testing.T) {
	t.Parallel()
	boom := errors.New("connection reset")
	var buf bytes.Buffer
	if err := WriteFrame(&buf, 1, []byte(strings.Repeat("x", 100))); err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{0, 3, HeaderSize, HeaderSize + 50} {
		r := io.MultiReader(bytes.NewReader(buf.Bytes()[:n]), iotest.ErrReader(boom))
		if _, p, err := ReadFrame(r, 1<<10); !errors.Is(err, boom) || p != nil {
			t.Errorf("error after %d bytes: ReadFrame = %q, %v; want %v", n, p, err, boom)
		}
	}
}

func TestFrame16MiB(t *testing.T) {
	t.Parallel()
	const size = 16 << 20
	payload := randomBytes(4, size)
	var buf bytes.Buffer
	if err := WriteFrame(&buf, 0x10, payload); err != nil {
		t.Fatal(err)
	}
	if buf.Len() != HeaderSize+size {
		t.Fatalf("frame is %d bytes, want %d", buf.Len(), HeaderSize+size)
	}
	k, p, err := ReadFrame(&buf, size)
	if err != nil || k != 0x10 {
		t.Fatalf("ReadFrame = %d, %v", k, err)
	}
	if !bytes.Equal(p, payload) {
		t.Fatal("16 MiB payload changed on the way")
	}
	if buf.Len() != 0 {
		t.Fatalf("%d bytes left unread", buf.Len())
	}
}
