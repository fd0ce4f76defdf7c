package pyconn

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"

	"mproc/internal/wire"
)

const (
	// bigMark in the 4-byte header announces an 8-byte length (CPython 3.8+,
	// for messages over 2 GiB - 1).
	bigMark = -1
	// joinLimit is where CPython stops joining header and payload into one
	// send: below it a second small write could wait on Nagle's algorithm.
	joinLimit = 16384
	// eagerAlloc is the largest body allocated before its bytes arrive, so
	// that a header announcing a lot and sending little costs little.
	eagerAlloc = 64 << 10
)

// WriteMessage writes p as one message of CPython's
// multiprocessing.connection (Connection._send_bytes): a 4-byte big-endian
// signed length, or -1 and an 8-byte length above math.MaxInt32, then p.
// Concurrent calls on one w must be serialized by the caller.
func WriteMessage(w io.Writer, p []byte) error {
	hdr := header(len(p))
	if len(p) <= joinLimit {
		_, err := w.Write(append(hdr, p...))
		return err
	}
	if _, err := w.Write(hdr); err != nil {
		return err
	}
	_, err := w.Write(p)
	return err
}

// header is the length prefix of an n-byte message.
func header(n int) []byte {
	if n > math.MaxInt32 {
		h := binary.BigEndian.AppendUint32(nil, uint32(0xffffffff))
		return binary.BigEndian.AppendUint64(h, uint64(n))
	}
	return binary.BigEndian.AppendUint32(nil, uint32(n))
}

// ReadMessage reads one message written by WriteMessage or by CPython's
// Connection.send_bytes/send. It returns io.EOF at a clean end (no byte of
// a next message), io.ErrUnexpectedEOF inside one, an error wrapping
// wire.ErrCorrupt for a negative length other than -1 and one wrapping
// wire.ErrTooLarge for a length above max, without reading or allocating the
// body: the stream is then mid-message and should be closed, as CPython does.
// A negative max is taken as 0.
func ReadMessage(r io.Reader, max int) ([]byte, error) {
	n, err := readLength(r)
	if err != nil {
		return nil, err
	}
	limit := max
	if limit < 0 {
		limit = 0
	}
	if n > uint64(limit) {
		return nil, fmt.Errorf("%w: a %d-byte message, limit %d", wire.ErrTooLarge, n, max)
	}
	if n <= eagerAlloc {
		b := make([]byte, n)
		if _, err := io.ReadFull(r, b); err != nil {
			return nil, midMessage(err)
		}
		return b, nil
	}
	var buf bytes.Buffer
	buf.Grow(eagerAlloc)
	if got, err := io.CopyN(&buf, r, int64(n)); got != int64(n) {
		return nil, midMessage(err)
	}
	return buf.Bytes(), nil
}

// readLength reads the 4- or 4+8-byte header.
func readLength(r io.Reader) (uint64, error) {
	var h [8]byte
	if _, err := io.ReadFull(r, h[:4]); err != nil {
		return 0, err // io.EOF only if nothing came
	}
	switch n := int32(binary.BigEndian.Uint32(h[:4])); {
	case n >= 0:
		return uint64(n), nil
	case n != bigMark:
		return 0, fmt.Errorf("%w: message length %d", wire.ErrCorrupt, n)
	}
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return 0, midMessage(err)
	}
	return binary.BigEndian.Uint64(h[:]), nil
}

// midMessage turns an end of stream inside a message into
// io.ErrUnexpectedEOF.
func midMessage(err error) error {
	if err == nil || errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}
