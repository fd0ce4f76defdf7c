package mproc

import (
	"encoding"
	"fmt"
	"reflect"
	"sync"

	"github.com/fxamacker/cbor/v2"

	"mproc/internal/shm"
	"mproc/internal/wire"
)

// shared is implemented by mproc's objects that live in shared memory or
// stand for sockets (Lock, Event, Value, Queue, Conn, ...). They encode as a
// handle naming what they use; the descriptors travel beside the message.
type shared interface {
	attach(a *attachments)
}

var sharedType = reflect.TypeFor[shared]()

// handle is how a shared object crosses: its kind, segment and offset,
// and for values and arrays the element size, length and rawness.
type handle struct {
	Kind string
	Seg  shm.Desc
	Off  int  `cbor:",omitempty"`
	Elem int  `cbor:",omitempty"`
	Len  int  `cbor:",omitempty"`
	Raw  bool `cbor:",omitempty"`
}

func marshalHandle(kind string, r *segRef, off int) ([]byte, error) {
	return encodeHandle(handle{Kind: kind, Off: off}, r)
}

func encodeHandle(h handle, r *segRef) ([]byte, error) {
	if err := r.err(h.Kind); err != nil {
		return nil, err
	}
	h.Seg = r.seg.Desc
	return wire.CBOR.Marshal(h)
}

// unmarshalHandle finds the segment a handle names; it must have arrived
// with the message (or been created here). The caller owns the returned
// reference.
func unmarshalHandle(data []byte, kind string, size int) (*segRef, int, error) {
	r, h, err := decodeHandle(data, kind, func(h handle) int { return h.Off + size })
	return r, h.Off, err
}

// decodeHandle decodes a handle of the given kind whose segment must hold
// need(h) bytes.
func decodeHandle(data []byte, kind string, need func(handle) int) (*segRef, handle, error) {
	var h handle
	if err := cbor.Unmarshal(data, &h); err != nil {
		return nil, h, fmt.Errorf("%w: %s handle: %v", wire.ErrCorrupt, kind, err)
	}
	if h.Kind != kind {
		return nil, h, fmt.Errorf("%w: a %s handle where a %s belongs", wire.ErrCorrupt, h.Kind, kind)
	}
	s, err := shm.Lookup(h.Seg.ID)
	if err != nil {
		return nil, h, fmt.Errorf("%w (a %s)", err, kind)
	}
	if n := need(h); h.Off < 0 || h.Off%8 != 0 || h.Elem < 0 || h.Len < 0 || n < 0 || n > s.Size {
		s.Release()
		return nil, h, fmt.Errorf("%w: %s needs %d bytes at %d in a %d-byte segment", wire.ErrCorrupt, kind, n, h.Off, s.Size)
	}
	return newSegRef(s), h, nil
}

// attachmentsOf returns what must travel beside v: the segments and
// sockets of the shared objects reachable from it, each once.
func attachmentsOf(v reflect.Value) *attachments {
	a := &attachments{}
	if v.IsValid() && mayHoldShared(v.Type()) {
		a.walk(v, 0)
	}
	return a
}

func (a *attachments) walk(v reflect.Value, depth int) {
	if depth > wire.MaxNesting || !v.IsValid() || !mayHoldShared(v.Type()) {
		return
	}
	t := v.Type()
	if t.Implements(sharedType) {
		if t.Kind() != reflect.Pointer || !v.IsNil() {
			v.Interface().(shared).attach(a)
		}
		return
	}
	switch v.Kind() {
	case reflect.Interface, reflect.Pointer:
		if !v.IsNil() {
			a.walk(v.Elem(), depth+1)
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			a.walk(v.Index(i), depth+1)
		}
	case reflect.Map:
		for it := v.MapRange(); it.Next(); {
			a.walk(it.Key(), depth+1)
			a.walk(it.Value(), depth+1)
		}
	case reflect.Struct:
		for i := range v.NumField() {
			a.walk(v.Field(i), depth+1)
		}
	}
}

var holdsShared sync.Map // reflect.Type -> bool

var (
	cborMarshaler   = reflect.TypeFor[cbor.Marshaler]()
	binaryMarshaler = reflect.TypeFor[encoding.BinaryMarshaler]()
)

// encodesItself reports whether t, or a pointer to it, has its own
// encoding.
func encodesItself(t reflect.Type) bool {
	return implements(t, cborMarshaler) || implements(t, binaryMarshaler)
}

func implements(t, iface reflect.Type) bool {
	return t.Implements(iface) || t.Kind() != reflect.Pointer && reflect.PointerTo(t).Implements(iface)
}

// mayHoldShared reports whether values of t can contain a shared object.
func mayHoldShared(t reflect.Type) bool {
	if wire.Scalar(t) { // shared objects are pointers
		return false
	}
	if v, ok := holdsShared.Load(t); ok {
		return v.(bool)
	}
	r := reachesShared(t, map[reflect.Type]bool{})
	holdsShared.Store(t, r)
	return r
}

func reachesShared(t reflect.Type, seen map[reflect.Type]bool) bool {
	if seen[t] {
		return false
	}
	seen[t] = true
	if t.Implements(sharedType) || t.Kind() == reflect.Interface {
		return true
	}
	if encodesItself(t) {
		return false // its encoding is its own (a manager's proxy, say): nothing inside travels
	}
	switch t.Kind() {
	case reflect.Pointer, reflect.Slice, reflect.Array:
		return reachesShared(t.Elem(), seen)
	case reflect.Map:
		return reachesShared(t.Key(), seen) || reachesShared(t.Elem(), seen)
	case reflect.Struct:
		for i := range t.NumField() {
			if reachesShared(t.Field(i).Type, seen) {
				return true
			}
		}
	}
	return false
}
