package mproc

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"

	"mproc/internal/wire"
)

// frameReader reads frames from a stream socket and keeps the stream in
// step whatever happens to one frame: a read cut short (a deadline, a
// cancelled ctx) resumes where it stopped at the next call, and a frame
// above the limit is skipped without being stored, so the messages after
// it are not lost. Only bytes that are not a frame header put the stream
// out of step for good, and then every later read says so.
type frameReader struct {
	r *bufio.Reader

	hdr  [wire.HeaderSize]byte
	nhdr int // header bytes read of the frame in progress
	kind byte
	want int    // the payload's length, once the header is whole
	buf  []byte // the payload so far
	skip int64  // bytes of a refused frame still to discard
	err  error  // the stream is out of step
}

func (f *frameReader) next(limit int) (k byte, payload []byte, err error) {
	if f.err != nil {
		return 0, nil, f.err
	}
	for f.skip > 0 {
		n, err := f.r.Discard(int(min(f.skip, 1<<30)))
		f.skip -= int64(n)
		if err != nil {
			return 0, nil, err
		}
	}
	if f.nhdr < wire.HeaderSize {
		n, err := io.ReadFull(f.r, f.hdr[f.nhdr:])
		f.nhdr += n
		if err != nil {
			return 0, nil, err // io.EOF between frames, io.ErrUnexpectedEOF inside one
		}
		kind, want, err := wire.ParseHeader(f.hdr[:], limit)
		if err != nil {
			return 0, nil, f.refuse(err)
		}
		f.kind, f.want, f.buf = kind, want, make([]byte, 0, min(want, growStep))
	}
	if err := f.fill(); err != nil {
		return 0, nil, err
	}
	k, payload = f.kind, f.buf
	f.nhdr, f.buf = 0, nil
	return k, payload, nil
}

// refuse handles a header ParseHeader refused: a frame too large is
// skipped, anything else leaves the stream out of step.
func (f *frameReader) refuse(err error) error {
	f.nhdr = 0
	if f.hdr[0] == wire.Magic && f.hdr[2] == 0 && f.hdr[3] == 0 {
		f.skip = int64(binary.LittleEndian.Uint32(f.hdr[4:]))
		return err
	}
	f.err = fmt.Errorf("%w; the connection is out of step and can only be closed", err)
	return f.err
}

// growStep bounds what a frame's header alone makes the reader allocate:
// the buffer grows only as the bytes arrive.
const growStep = 1 << 20

func (f *frameReader) fill() error {
	for len(f.buf) < f.want {
		if len(f.buf) == cap(f.buf) {
			f.buf = append(f.buf, make([]byte, min(f.want-len(f.buf), max(cap(f.buf), growStep)))...)[:len(f.buf)]
		}
		n, err := f.r.Read(f.buf[len(f.buf):min(f.want, cap(f.buf))])
		f.buf = f.buf[:len(f.buf)+n]
		if err != nil && len(f.buf) < f.want {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return err
		}
	}
	return nil
}
