// Package mgr is the server side of mproc's managers: the request and
// response frames that cross between a manager and its clients, and the
// objects a manager holds (dicts, lists, namespaces, values, queues, locks,
// semaphores, events, conditions, barriers and registered types). It knows
// nothing of transports: the root package reads requests from connections,
// passes them to Server.Handle and writes the answers back.
//
// Values cross as the bytes the client's coder made; the server stores and
// compares those bytes and never decodes them, except numbers for the
// atomic operations (whose width and kind the request names) and the
// arguments of a registered type's methods. Nothing executable crosses:
// a request names an operation from a fixed set, or an exported method of
// a type registered in the server's program.
package mgr

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// Op is an operation on the server or on one of its objects.
type Op uint8

// Operations. Args and results are listed as (args) -> results; every
// element is one byte string.
const (
	OpHello  Op = iota + 1 // (client id u64, want pipe u8) -> (server id u64)
	OpCreate               // (kind, init...) -> (object id u64)
	OpPing                 // () -> ()

	// Dicts and namespaces: keys and values are encoded bytes.
	OpDictGet        // (key) -> (value) or ErrKey
	OpDictSet        // (key, value) -> ()
	OpDictDelete     // (key) -> () or ErrKey
	OpDictLen        // () -> (n u64)
	OpDictKeys       // () -> (key...)
	OpDictItems      // () -> (key, value, key, value...)
	OpDictUpdate     // (key, value, key, value...) -> ()
	OpDictClear      // () -> ()
	OpDictPop        // (key) -> (value) or ErrKey
	OpDictSetDefault // (key, value) -> (value now)
	OpDictContains   // (key) -> (u8)
	OpDictApply      // (key, op name, numeric kind, operand) -> (value now)
	OpDictCAS        // (key, old, new[, absent u8]) -> (u8 swapped)

	// Lists.
	OpListGet    // (index i64) -> (value) or ErrIndex
	OpListSet    // (index i64, value) -> ()
	OpListLen    // () -> (n u64)
	OpListAppend // (value) -> ()
	OpListExtend // (value...) -> ()
	OpListIndex  // (value) -> (index u64) or ErrKey (ValueError)
	OpListSlice  // (start i64, stop i64) -> (value...), Python's clamping
	OpListInsert // (index i64, value) -> ()
	OpListPop    // (index i64) -> (value) or ErrIndex
	OpListDelete // (index i64) -> ()
	OpListRemove // (value) -> () or ErrKey
	OpListClear  // () -> ()

	// Values.
	OpValueGet   // () -> (value)
	OpValueSet   // (value) -> ()
	OpValueApply // (op name, numeric kind, operand) -> (value now)
	OpValueCAS   // (old, new) -> (u8 swapped)

	// Queues: Deadline bounds the wait; NoWait in Flags fails at once.
	OpQueuePut // (value) -> () or ErrFull
	OpQueueGet // () -> (value) or ErrEmpty
	OpQueueLen // () -> (n u64)

	// Locks and semaphores, owned by (Owner, Token).
	OpAcquire  // () -> () or ErrTimeout
	OpRelease  // () -> () or ErrNotOwner
	OpLocked   // () -> (u8)
	OpSemValue // () -> (value u64)

	// Events.
	OpEventSet   // () -> ()
	OpEventClear // () -> ()
	OpEventIsSet // () -> (u8)
	OpEventWait  // () -> (u8 set)

	// Conditions (their lock: the object id given at creation).
	OpCondWait      // () -> (u8 notified)
	OpCondNotify    // (n u64) -> ()
	OpCondNotifyAll // () -> ()

	// Barriers.
	OpBarrierWait  // () -> (index u64) or ErrBroken
	OpBarrierAbort // () -> ()
	OpBarrierReset // () -> ()
	OpBarrierInfo  // () -> (parties u64, waiting u64, broken u8)
	OpMethod       // (method name, arg...) -> (result...) on a registered type
	OpShutdown     // () -> (): the server stops (its transport acts on it)

	opEnd
)

// Blocks reports whether op may wait: the server then watches the client's
// connection while it runs, so that a client gone mid-call frees it.
func (op Op) Blocks() bool {
	switch op {
	case OpQueuePut, OpQueueGet, OpAcquire, OpEventWait, OpCondWait, OpBarrierWait, OpMethod:
		return true
	}
	return false
}

// Flags of a request.
const (
	FlagNoWait = 1 << iota // fail at once instead of waiting
)

// Request is one call.
type Request struct {
	Op       Op
	Flags    uint8
	Obj      uint64
	Deadline int64  // unix nanoseconds; 0: no deadline
	Owner    uint64 // the client process's id
	Token    uint64 // the owner inside it (mproc.WithOwner), for locks
	Args     [][]byte
}

// Limits of a frame.
const (
	MaxArgs    = 1 << 16
	reqHeader  = 1 + 1 + 8 + 8 + 8 + 8 + 4
	respHeader = 1 + 1 + 4
)

// ErrCorrupt is the error of a frame that can't be decoded.
var ErrCorrupt = errors.New("manager: corrupt message")

// AppendRequest appends r's encoding to dst.
func AppendRequest(dst []byte, r *Request) []byte {
	dst = append(dst, byte(r.Op), r.Flags)
	dst = binary.LittleEndian.AppendUint64(dst, r.Obj)
	dst = binary.LittleEndian.AppendUint64(dst, uint64(r.Deadline))
	dst = binary.LittleEndian.AppendUint64(dst, r.Owner)
	dst = binary.LittleEndian.AppendUint64(dst, r.Token)
	return appendList(dst, r.Args)
}

// DecodeRequest decodes a request; its Args alias b.
func DecodeRequest(b []byte) (Request, error) {
	if len(b) < reqHeader {
		return Request{}, fmt.Errorf("%w: request of %d bytes", ErrCorrupt, len(b))
	}
	r := Request{
		Op:       Op(b[0]),
		Flags:    b[1],
		Obj:      binary.LittleEndian.Uint64(b[2:]),
		Deadline: int64(binary.LittleEndian.Uint64(b[10:])),
		Owner:    binary.LittleEndian.Uint64(b[18:]),
		Token:    binary.LittleEndian.Uint64(b[26:]),
	}
	if r.Op == 0 || r.Op >= opEnd {
		return Request{}, fmt.Errorf("%w: %w: operation %d", ErrCorrupt, ErrRefused, r.Op)
	}
	args, err := decodeList(b[34:])
	if err != nil {
		return Request{}, err
	}
	r.Args = args
	return r, nil
}

// Response is a call's outcome: values, or an error code and message.
type Response struct {
	Code Code // CodeOK or the error's
	Vals [][]byte
	Msg  string // the error's text
}

// AppendResponse appends r's encoding to dst.
func AppendResponse(dst []byte, r *Response) []byte {
	dst = append(dst, byte(r.Code), 0)
	if r.Code != CodeOK {
		return appendList(dst, [][]byte{[]byte(r.Msg)})
	}
	return appendList(dst, r.Vals)
}

// DecodeResponse decodes a response; its Vals alias b.
func DecodeResponse(b []byte) (Response, error) {
	if len(b) < respHeader {
		return Response{}, fmt.Errorf("%w: response of %d bytes", ErrCorrupt, len(b))
	}
	if b[1] != 0 {
		return Response{}, fmt.Errorf("%w: reserved byte %d", ErrCorrupt, b[1])
	}
	vals, err := decodeList(b[2:])
	if err != nil {
		return Response{}, err
	}
	r := Response{Code: Code(b[0])}
	if r.Code >= codeEnd {
		return Response{}, fmt.Errorf("%w: error code %d", ErrCorrupt, r.Code)
	}
	if r.Code != CodeOK {
		if len(vals) != 1 {
			return Response{}, fmt.Errorf("%w: error without its text", ErrCorrupt)
		}
		r.Msg = string(vals[0])
		return r, nil
	}
	r.Vals = vals
	return r, nil
}

// appendList writes a count and each element's length and bytes.
func appendList(dst []byte, l [][]byte) []byte {
	dst = binary.LittleEndian.AppendUint32(dst, uint32(len(l)))
	for _, e := range l {
		dst = binary.LittleEndian.AppendUint32(dst, uint32(len(e)))
		dst = append(dst, e...)
	}
	return dst
}

func decodeList(b []byte) ([][]byte, error) {
	if len(b) < 4 {
		return nil, fmt.Errorf("%w: no element count", ErrCorrupt)
	}
	n := binary.LittleEndian.Uint32(b)
	b = b[4:]
	// Every element takes at least its 4-byte length: a count the bytes
	// can't hold is refused before anything is allocated for it.
	if n > MaxArgs || uint64(n)*4 > uint64(len(b)) {
		return nil, fmt.Errorf("%w: %d elements in %d bytes", ErrCorrupt, n, len(b))
	}
	out := make([][]byte, n)
	for i := range out {
		if len(b) < 4 {
			return nil, fmt.Errorf("%w: element %d cut short", ErrCorrupt, i)
		}
		l := binary.LittleEndian.Uint32(b)
		b = b[4:]
		if uint64(l) > uint64(len(b)) {
			return nil, fmt.Errorf("%w: element %d of %d bytes in %d", ErrCorrupt, i, l, len(b))
		}
		out[i], b = b[:l:l], b[l:]
	}
	if len(b) != 0 {
		return nil, fmt.Errorf("%w: %d bytes after the last element", ErrCorrupt, len(b))
	}
	return out, nil
}
