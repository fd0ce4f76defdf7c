package server

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// The broker's messages: one per packet of a SOCK_SEQPACKET Unix socket,
// so the kernel keeps their boundaries and a descriptor arrives with the
// message it belongs to. A message is an op byte, a uvarint id (a
// connection's or a worker's number; 0 when it names none) and the rest of
// the packet as data.

type op byte

// From a child to the server's process.
const (
	opHelloConn   op = iota + 1 // id: the connection the child was given; answered by opConnFD
	opHelloWorker               // id: the worker; answered by opListenerFD or opNoListener
	opReady                     // a prefork worker accepts
	opJoin                      // id: a connection joins the room; answered by opJoined
	opSay                       // id: a member's message to the room
	opLeave                     // id: a member leaves the room
	opAccepted                  // id: a prefork worker's connection began; data: the client's address
	opClosed                    // id: it ended; data: the handler's error, if any

	// From the server's process to a child.
	opConnFD     // data: the client's address; the connection's descriptor rides along
	opListenerFD // the listener's descriptor rides along
	opNoListener // the worker binds its own listener
	opJoined     // id: the member joined
	opDeliver    // id: the member's next message
	opCut        // id: stop serving this connection now (0: every connection of the worker)
	opStop       // a prefork worker stops accepting and ends when its connections have
	opRefused    // data: why the server refused the child's hello

	// A Process child's hello (id: the child's number), answered by
	// opReady; then opConnFD gives it each connection, and it answers
	// each with opClosed, until opStop.
	opHelloProc

	opLast = opHelloProc
)

// maxFrame bounds a broker message. The reader's buffer is one byte larger,
// so a longer one shows as too long rather than cut.
const maxFrame = 64 << 10

// maxMessage is the largest room message: what fits in a frame beside the
// op and the longest id.
const maxMessage = maxFrame - 1 - binary.MaxVarintLen64

// errFrame is the error of a broker message that does not decode.
var errFrame = errors.New("server: malformed broker message")

type frame struct {
	op   op
	id   uint64
	data []byte
}

// encode lays f out as one packet.
func (f frame) encode() []byte {
	b := make([]byte, 0, 1+binary.MaxVarintLen64+len(f.data))
	b = append(b, byte(f.op))
	b = binary.AppendUvarint(b, f.id)
	return append(b, f.data...)
}

// decodeFrame parses one packet. data aliases b.
func decodeFrame(b []byte) (frame, error) {
	switch {
	case len(b) == 0:
		return frame{}, fmt.Errorf("%w: empty", errFrame)
	case len(b) > maxFrame:
		return frame{}, fmt.Errorf("%w: %d bytes, more than %d", errFrame, len(b), maxFrame)
	case b[0] == 0 || op(b[0]) > opLast:
		return frame{}, fmt.Errorf("%w: unknown op %d", errFrame, b[0])
	}
	id, n := binary.Uvarint(b[1:])
	if n <= 0 {
		return frame{}, fmt.Errorf("%w: bad id", errFrame)
	}
	return frame{op: op(b[0]), id: id, data: b[1+n:]}, nil
}
