package wire

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"math"
	"reflect"
	"testing"
	"time"
	"unsafe"

	"github.com/fxamacker/cbor/v2"
)

func frameBytes(k byte, payload []byte) []byte {
	var buf bytes.Buffer
	if err := WriteFrame(&buf, k, payload); err != nil {
		panic(err)
	}
	return buf.Bytes()
}

// FuzzReadFrame reads frames from arbitrary bytes until an error, checking
// every outcome against an independent reading of the format: frames that
// come back re-encode to exactly the bytes they were read from, and every
// error is the one the bytes call for.
func FuzzReadFrame(f *testing.F) {
	const limit = 1 << 12
	cat := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
	f.Add([]byte{})
	f.Add(frameBytes(1, []byte("hello")))
	f.Add(frameBytes(0, nil))
	f.Add(cat(frameBytes(1, []byte("a")), frameBytes(2, []byte("bc")), frameBytes(255, nil)))
	f.Add(frameBytes(7, bytes.Repeat([]byte{0xA7}, limit)))   // exactly the limit
	f.Add(cat(header(0xA7, 1, 0, 0, limit+1), []byte("abc"))) // just over
	f.Add(header(0xA7, 1, 0, 0, 1<<32-1))
	f.Add(header(0xA6, 1, 0, 0, 0))
	f.Add(header(0xA7, 1, 0, 1, 0))
	f.Add(header(0xA7, 1, 1, 0, 0))
	f.Add(frameBytes(3, []byte("truncated"))[:12])
	f.Add(frameBytes(3, []byte("truncated"))[:5])
	f.Add(cat(frameBytes(1, []byte("ok")), []byte{0xA7, 2}))
	f.Add(cat(frameBytes(1, []byte("ok")), header(0, 0, 0, 0, 0)))

	f.Fuzz(func(t *testing.T, data []byte) {
		r := bytes.NewReader(data)
		for {
			start := len(data) - r.Len()
			rest := data[start:]
			k, p, err := ReadFrame(r, limit)
			if err != nil {
				if p != nil {
					t.Fatalf("at %d: payload of %d bytes returned with error %v", start, len(p), err)
				}
				checkFrameError(t, rest, limit, err)
				return
			}
			consumed := len(data) - r.Len() - start
			if consumed != HeaderSize+len(p) {
				t.Fatalf("at %d: consumed %d bytes for a %d-byte payload", start, consumed, len(p))
			}
			if len(p) > limit {
				t.Fatalf("at %d: payload of %d bytes exceeds the limit %d", start, len(p), limit)
			}
			if again := frameBytes(k, p); !bytes.Equal(again, rest[:consumed]) {
				t.Fatalf("at %d: frame re-encodes to % x, read from % x", start, again, rest[:consumed])
			}
		}
	})
}

// checkFrameError checks that err is what reading a frame from rest must give.
func checkFrameError(t *testing.T, rest []byte, limit int, err error) {
	t.Helper()
	switch {
	case len(rest) == 0:
		if err != io.EOF {
			t.Fatalf("at the end of input: %v, want io.EOF", err)
		}
	case len(rest) < HeaderSize:
		if err != io.ErrUnexpectedEOF {
			t.Fatalf("%d-byte header: %v, want io.ErrUnexpectedEOF", len(rest), err)
		}
	case rest[0] != 0xA7 || rest[2] != 0 || rest[3] != 0:
		if !errors.Is(err, ErrCorrupt) {
			t.Fatalf("header % x: %v, want ErrCorrupt", rest[:HeaderSize], err)
		}
	case uint64(binary.LittleEndian.Uint32(rest[4:])) > uint64(limit):
		if !errors.Is(err, ErrTooLarge) {
			t.Fatalf("header % x: %v, want ErrTooLarge", rest[:HeaderSize], err)
		}
	default:
		n := int(binary.LittleEndian.Uint32(rest[4:]))
		if n <= len(rest)-HeaderSize {
			t.Fatalf("header % x with %d bytes following: unexpected %v", rest[:HeaderSize], len(rest)-HeaderSize, err)
		}
		if err != io.ErrUnexpectedEOF {
			t.Fatalf("header % x with %d bytes following: %v, want io.ErrUnexpectedEOF", rest[:HeaderSize], len(rest)-HeaderSize, err)
		}
	}
}

// canonical encodes v deterministically (sorted map keys), to compare values
// that may hold NaNs or maps without reflect.DeepEqual.
var canonical = func() cbor.EncMode {
	opts := cbor.CanonicalEncOptions()
	opts.Time = cbor.TimeRFC3339Nano
	opts.TimeTag = cbor.EncTagRequired
	opts.TextMarshaler = cbor.TextMarshalerTextString
	em, err := opts.EncMode()
	if err != nil {
		panic(err)
	}
	return em
}()

// checkCodecStable checks that a value decoded from untrusted bytes encodes
// again and decodes to the same value.
func checkCodecStable[T any](t *testing.T, c *Coder[T], data []byte) {
	t.Helper()
	v1, err := c.Decode(bytes.Clone(data))
	if err != nil {
		if !errors.Is(err, ErrCorrupt) {
			t.Fatalf("Decode(% x): %v, want ErrCorrupt", data, err)
		}
		return
	}
	b1, err := c.Encode(v1)
	if err != nil {
		// CBOR epoch times (tag 1) reach years that RFC 3339, which the
		// encoder uses to keep nanoseconds, cannot write. That is the one
		// decodable value allowed not to encode again, and it must fail
		// cleanly.
		if errors.Is(err, ErrUnencodable) && hasTimeOutsideRFC3339(reflect.ValueOf(&v1).Elem(), 0) {
			return
		}
		t.Fatalf("Decode(% x) = %#v, which does not encode: %v", data, v1, err)
	}
	v2, err := c.Decode(bytes.Clone(b1))
	if err != nil {
		t.Fatalf("Decode(% x) = %#v, which encodes to % x, which does not decode: %v", data, v1, b1, err)
	}
	c1, err1 := canonical.Marshal(v1)
	c2, err2 := canonical.Marshal(v2)
	if err1 != nil || err2 != nil {
		t.Fatalf("canonical encoding: %v, %v", err1, err2)
	}
	if !bytes.Equal(c1, c2) {
		t.Fatalf("Decode(% x) = %#v\nre-encoded and decoded = %#v", data, v1, v2)
	}
}

// hasTimeOutsideRFC3339 reports whether v holds a time.Time whose year is
// outside [0, 9999].
func hasTimeOutsideRFC3339(v reflect.Value, depth int) bool {
	if !v.IsValid() || depth > 100 {
		return false
	}
	if v.Type() == reflect.TypeFor[time.Time]() {
		y := v.Interface().(time.Time).Year()
		return y < 0 || y > 9999
	}
	switch v.Kind() {
	case reflect.Interface, reflect.Pointer:
		return !v.IsNil() && hasTimeOutsideRFC3339(v.Elem(), depth+1)
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			if hasTimeOutsideRFC3339(v.Index(i), depth+1) {
				return true
			}
		}
	case reflect.Map:
		for it := v.MapRange(); it.Next(); {
			if hasTimeOutsideRFC3339(it.Key(), depth+1) || hasTimeOutsideRFC3339(it.Value(), depth+1) {
				return true
			}
		}
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() && hasTimeOutsideRFC3339(v.Field(i), depth+1) {
				return true
			}
		}
	}
	return false
}

type fuzzKid struct {
	ID   uint32
	Path []string
	Meta map[string][]byte
	Up   *fuzzKid
}

type fuzzMsg struct {
	Name  string
	Tags  []string
	Attrs map[string]int64
	Data  []byte
	N     *int64
	F     float64
	OK    bool
	Kids  []fuzzKid
	Arr   [2]int16
	Extra map[string]any
}

// FuzzCoderDecodeCBOR feeds arbitrary bytes to the codec path of a struct
// with strings, slices, maps, pointers and interfaces.
func FuzzCoderDecodeCBOR(f *testing.F) {
	c := NewCoder[fuzzMsg](nil)
	if c.kind != viaCodec {
		f.Fatalf("fuzzMsg takes path %v", c.kind)
	}
	n := int64(-12)
	for _, v := range []fuzzMsg{
		{},
		{Name: "n", Tags: []string{"a", ""}, Attrs: map[string]int64{"x": math.MinInt64}, Data: []byte{0, 1}, N: &n, F: math.NaN(), OK: true},
		{Kids: []fuzzKid{{ID: 1, Path: []string{"p"}, Meta: map[string][]byte{"m": nil}, Up: &fuzzKid{ID: 2}}}, Arr: [2]int16{-1, 1}},
		{Extra: map[string]any{"i": -1, "u": uint64(1 << 63), "f": 0.5, "s": "s", "l": []any{nil, true}, "m": map[string]any{"k": []byte("v")}}},
	} {
		b, err := c.Encode(v)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, b := range [][]byte{
		{0xa0}, {0xf6}, {0xff}, {0x80},
		{0xa1, 0x64, 'N', 'a', 'm', 'e', 0x61, 0xff},                                                                       // bad utf-8
		{0xa1, 0x65, 'E', 'x', 't', 'r', 'a', 0xa1, 0x01, 0x02},                                                            // int key in map[string]any
		{0xa1, 0x65, 'E', 'x', 't', 'r', 'a', 0xa1, 0x61, 'x', 0xc1, 0x1b, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, // epoch time far away
		{0xa1, 0x65, 'E', 'x', 't', 'r', 'a', 0xa1, 0x61, 'x', 0xc2, 0x41, 0x01},                                           // bignum
		{0xa1, 0x65, 'E', 'x', 't', 'r', 'a', 0xa1, 0x61, 'x', 0xd9, 0xff, 0xff, 0x00},                                     // unknown tag
		{0xa1, 0x64, 'K', 'i', 'd', 's', 0x9b, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff},
		{0xbf, 0x64, 'N', 'a', 'm', 'e', 0x7f, 0x61, 'a', 0x61, 'b', 0xff, 0xff}, // indefinite lengths
	} {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkCodecStable(t, c, data)
	})
}

// FuzzCoderDecodeAny decodes arbitrary CBOR into an interface.
func FuzzCoderDecodeAny(f *testing.F) {
	c := NewCoder[any](nil)
	for _, v := range []any{nil, 1, -1, 1.5, "s", []byte("b"), true, []any{1, "x"}, map[string]any{"a": map[string]any{"b": nil}}, time.Unix(1, 5).UTC()} {
		b, err := c.Encode(v)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte{0xc2, 0x49, 1, 0, 0, 0, 0, 0, 0, 0, 0}) // bignum
	f.Add([]byte{0xc0, 0x61, 'x'})                       // bad time string
	f.Add([]byte{0xf8, 0x20})                            // simple value
	f.Add([]byte{0xf7})                                  // undefined
	f.Add([]byte{0xf9, 0x7e, 0x00})                      // half-precision NaN
	f.Fuzz(func(t *testing.T, data []byte) {
		checkCodecStable(t, c, data)
	})
}

// maxFixedFuzzInput caps the input of the fixed-path targets, whose code
// does not depend on the length beyond a few bytes, below 100 bytes. The error
// message prints the length, so each extra digit is new coverage; and the
// fuzzer minimizes such an input in time quadratic in its length, which for a
// few thousand bytes stalls a short fuzzing run for a minute.
const maxFixedFuzzInput = 99

// FuzzCoderDecodeIntSlice feeds arbitrary bytes to the fixed-slice path.
func FuzzCoderDecodeIntSlice(f *testing.F) {
	c := NewCoder[[]int](nil)
	if c.kind != fixedSlice {
		f.Fatalf("[]int takes path %v", c.kind)
	}
	for _, v := range [][]int{nil, {0}, {1, -1, math.MaxInt, math.MinInt}} {
		b, _ := c.Encode(v)
		f.Add(bytes.Clone(b))
	}
	f.Add([]byte{1, 2, 3})
	f.Add(make([]byte, 17))
	f.Add([]byte{0xFF})                  // empty, not nil
	f.Add(bytes.Repeat([]byte{0xFF}, 9)) // {-1}
	f.Add(bytes.Repeat([]byte{0xFF}, 8)) // 7 bytes: corrupt
	f.Fuzz(func(t *testing.T, data []byte) {
		data = data[:min(len(data), maxFixedFuzzInput)]
		// A run of nothing but 0xFF carries one 0xFF more than its payload
		// (that is how an empty slice differs from nil).
		payload := data
		if len(data) > 0 && allFF(data) {
			payload = data[1:]
		}
		v, err := c.Decode(data)
		if len(payload)%8 != 0 {
			if !errors.Is(err, ErrCorrupt) || v != nil {
				t.Fatalf("Decode of %d bytes = %v, %v; want ErrCorrupt", len(data), v, err)
			}
			return
		}
		if err != nil || len(v) != len(payload)/8 || (v == nil) != (len(data) == 0) {
			t.Fatalf("Decode of %d bytes = %d ints (nil %t), %v", len(data), len(v), v == nil, err)
		}
		for i := range v {
			if want := int(binary.NativeEndian.Uint64(payload[8*i:])); v[i] != want {
				t.Fatalf("element %d = %d, want %d", i, v[i], want)
			}
		}
		b, err := c.Encode(v)
		if err != nil || !bytes.Equal(b, data) {
			t.Fatalf("Encode(Decode(% x)) = % x, %v", data, b, err)
		}
	})
}

// fixedRec has no padding, so its encoding is exactly its fields' bytes.
type fixedRec struct {
	A int64
	B float64
	C [3]uint16
	D uint16
	E complex64
	F [2]int8
	G int16
	H int32
}

// FuzzCoderDecodeFixed feeds arbitrary bytes to the fixed-value path.
func FuzzCoderDecodeFixed(f *testing.F) {
	c := NewCoder[fixedRec](nil)
	const size = int(unsafe.Sizeof(fixedRec{}))
	if c.kind != fixedValue || size != 40 {
		f.Fatalf("fixedRec takes path %v with size %d", c.kind, size)
	}
	for _, v := range []fixedRec{{}, {A: -1, B: math.Inf(1), C: [3]uint16{1, 2, 3}, E: complex(float32(math.NaN()), 1), H: math.MinInt32}} {
		b, _ := c.Encode(v)
		f.Add(b)
	}
	f.Add(make([]byte, size-1))
	f.Add(make([]byte, size+1))
	f.Fuzz(func(t *testing.T, data []byte) {
		data = data[:min(len(data), maxFixedFuzzInput)]
		if v, err := c.Decode(data); len(data) != size {
			if !errors.Is(err, ErrCorrupt) || !reflect.ValueOf(v).IsZero() {
				t.Fatalf("Decode of %d bytes = %+v, %v; want ErrCorrupt", len(data), v, err)
			}
		} else if err != nil {
			t.Fatalf("Decode of %d bytes: %v", size, err)
		}
		// Every input also yields a record of the right size, so that the
		// success path does not hinge on the length (which would make the
		// fuzzer's minimization of interesting inputs crawl).
		rec := make([]byte, size)
		copy(rec, data)
		v, err := c.Decode(rec)
		if err != nil {
			t.Fatalf("Decode of %d bytes: %v", size, err)
		}
		if v.A != int64(binary.NativeEndian.Uint64(rec)) || v.H != int32(binary.NativeEndian.Uint32(rec[36:])) ||
			math.Float64bits(v.B) != binary.NativeEndian.Uint64(rec[8:]) {
			t.Fatalf("Decode(% x) = %+v: fields do not match the bytes", rec, v)
		}
		b, err := c.Encode(v)
		if err != nil || !bytes.Equal(b, rec) {
			t.Fatalf("Encode(Decode(% x)) = % x, %v", rec, b, err)
		}
	})
}
