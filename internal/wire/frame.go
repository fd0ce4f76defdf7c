package wire

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// HeaderSize is the size of a frame header: a magic byte, the kind, two
// reserved zero bytes and the payload length (uint32, little endian).
const HeaderSize = 8

// Magic is a frame header's first byte.
const Magic = 0xA7

// DefaultMaxFrame bounds a frame's payload unless the reader sets another limit.
const DefaultMaxFrame = 1 << 30

var (
	// ErrTooLarge means a frame declared a payload above the reader's limit.
	ErrTooLarge = errors.New("mproc: frame too large")
	// ErrCorrupt means bytes that are not a frame header.
	ErrCorrupt = errors.New("mproc: corrupt data")
)

// PutHeader writes the header of a frame of kind k with an n-byte payload.
func PutHeader(h []byte, k byte, n int) {
	h[0], h[1], h[2], h[3] = Magic, k, 0, 0
	binary.LittleEndian.PutUint32(h[4:], uint32(n))
}

// ParseHeader checks a header and returns the kind and payload length.
func ParseHeader(h []byte, limit int) (k byte, n int, err error) {
	if len(h) < HeaderSize {
		return 0, 0, fmt.Errorf("%w: short header (%d bytes)", ErrCorrupt, len(h))
	}
	if h[0] != Magic || h[2] != 0 || h[3] != 0 {
		return 0, 0, fmt.Errorf("%w: bad header % x", ErrCorrupt, h[:HeaderSize])
	}
	n64 := uint64(binary.LittleEndian.Uint32(h[4:]))
	if limit <= 0 {
		limit = DefaultMaxFrame
	}
	if n64 > uint64(limit) {
		return 0, 0, fmt.Errorf("%w: %d bytes, limit %d", ErrTooLarge, n64, limit)
	}
	return h[1], int(n64), nil
}

// WriteFrame writes one frame with a single Write call, so that frames written
// by several goroutines through a mutex-guarded writer never interleave.
func WriteFrame(w io.Writer, k byte, payload []byte) error {
	if uint64(len(payload)) > 1<<32-1 {
		return fmt.Errorf("%w: %d bytes", ErrTooLarge, len(payload))
	}
	buf := make([]byte, HeaderSize+len(payload))
	PutHeader(buf, k, len(payload))
	copy(buf[HeaderSize:], payload)
	_, err := w.Write(buf)
	return err
}

// ReadFrame reads one frame from r. A header that declares a large payload
// does not allocate it up front: the buffer grows only as bytes arrive, so a
// lying peer cannot make the reader allocate more than it actually sends.
func ReadFrame(r io.Reader, limit int) (k byte, payload []byte, err error) {
	var h [HeaderSize]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return 0, nil, err
	}
	k, n, err := ParseHeader(h[:], limit)
	if err != nil {
		return 0, nil, err
	}
	payload, err = readN(r, n)
	if err != nil {
		return 0, nil, err
	}
	return k, payload, nil
}

const growStep = 1 << 20

func readN(r io.Reader, n int) ([]byte, error) {
	buf := make([]byte, 0, min(n, growStep))
	for len(buf) < n {
		if len(buf) == cap(buf) {
			buf = append(buf, make([]byte, min(n-len(buf), max(cap(buf), growStep)))...)[:len(buf)]
		}
		m, err := r.Read(buf[len(buf):min(n, cap(buf))])
		buf = buf[:len(buf)+m]
		if err != nil && len(buf) < n {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return nil, err
		}
	}
	return buf, nil
}
