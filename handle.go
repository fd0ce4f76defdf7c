package mproc

import (
	"fmt"
	"reflect"
	"sync"

	"github.com/fxamacker/cbor/v2"
	"golang.org/x/sys/unix"

	"mproc/internal/shm"
	"mproc/internal/wire"
)

// shared is implemented by mproc's objects that live in shared memory
// (Lock, Event, Value, ...). They encode as a handle naming their segment;
// the segment's descriptor travels beside the message.
type shared interface {
	segments() []*shm.Segment
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

func marshalHandle(kind string, s *shm.Segment, off int) ([]byte, error) {
	return encodeHandle(handle{Kind: kind, Off: off}, s)
}

func encodeHandle(h handle, s *shm.Segment) ([]byte, error) {
	if s == nil {
		return nil, fmt.Errorf("%w: a zero %s (create it with its New function)", ErrUnencodable, h.Kind)
	}
	h.Seg = s.Desc
	return wire.CBOR.Marshal(h)
}

// unmarshalHandle finds the segment a handle names; it must have arrived
// with the message (or been created here).
func unmarshalHandle(data []byte, kind string, size int) (*shm.Segment, int, error) {
	s, h, err := decodeHandle(data, kind, func(h handle) int { return h.Off + size })
	return s, h.Off, err
}

// decodeHandle decodes a handle of the given kind whose segment must hold
// need(h) bytes.
func decodeHandle(data []byte, kind string, need func(handle) int) (*shm.Segment, handle, error) {
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
		return nil, h, fmt.Errorf("%w: %s needs %d bytes at %d in a %d-byte segment", wire.ErrCorrupt, kind, n, h.Off, s.Size)
	}
	return s, h, nil
}

// segmentsOf returns the shared segments reachable from v, each once.
func segmentsOf(v reflect.Value) []*shm.Segment {
	if !v.IsValid() || !mayHoldShared(v.Type()) {
		return nil
	}
	c := segmentCollector{seen: map[shm.ID]bool{}}
	c.walk(v, 0)
	return c.out
}

type segmentCollector struct {
	seen map[shm.ID]bool
	out  []*shm.Segment
}

func (c *segmentCollector) walk(v reflect.Value, depth int) {
	if depth > wire.MaxNesting || !v.IsValid() || !mayHoldShared(v.Type()) {
		return
	}
	t := v.Type()
	if t.Implements(sharedType) {
		if t.Kind() == reflect.Pointer && v.IsNil() {
			return
		}
		for _, s := range v.Interface().(shared).segments() {
			if s != nil && !c.seen[s.ID] {
				c.seen[s.ID] = true
				c.out = append(c.out, s)
			}
		}
		return
	}
	switch v.Kind() {
	case reflect.Interface, reflect.Pointer:
		if !v.IsNil() {
			c.walk(v.Elem(), depth+1)
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			c.walk(v.Index(i), depth+1)
		}
	case reflect.Map:
		for it := v.MapRange(); it.Next(); {
			c.walk(it.Key(), depth+1)
			c.walk(it.Value(), depth+1)
		}
	case reflect.Struct:
		for i := range v.NumField() {
			c.walk(v.Field(i), depth+1)
		}
	}
}

var holdsShared sync.Map // reflect.Type -> bool

// mayHoldShared reports whether values of t can contain a shared object.
func mayHoldShared(t reflect.Type) bool {
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

// descs lists what crosses for segs, besides their descriptors.
func descs(segs []*shm.Segment) ([]shm.Desc, []int) {
	d := make([]shm.Desc, len(segs))
	fds := make([]int, len(segs))
	for i, s := range segs {
		d[i], fds[i] = s.Desc, s.FD()
	}
	return d, fds
}

// attachAll maps segments received with a message; the result keeps them
// alive until the message is decoded.
func attachAll(d []shm.Desc, fds []int) ([]*shm.Segment, error) {
	segs := make([]*shm.Segment, 0, len(d))
	for i, desc := range d {
		s, err := shm.Attach(desc, fds[i])
		if err != nil {
			for _, fd := range fds[i+1:] {
				closeFD(fd)
			}
			return nil, err
		}
		segs = append(segs, s)
	}
	return segs, nil
}

func closeFD(fd int) { unix.Close(fd) }
