package mproc

import (
	"fmt"
	"sync/atomic"

	"mproc/internal/shm"
)

// segRef is an object's hold on its shared memory in this process. The
// views of one object (an RLock's owners, a Value and its lock) share it,
// so closing any of them closes them all.
type segRef struct {
	seg    *shm.Segment
	closed atomic.Bool
}

// newSegRef takes over a reference to seg (from shm.New or shm.Lookup).
func newSegRef(seg *shm.Segment) *segRef { return &segRef{seg: seg} }

// close lets go of the memory in this process; again, it does nothing.
func (r *segRef) close() error {
	if r != nil && !r.closed.Swap(true) {
		r.seg.Release()
	}
	return nil
}

// usable panics, naming the object, when it can't be used: it was not made
// by its constructor, or it was closed. A method with no error to return
// (Lock, Load) panics rather than touch memory this process let go of.
func (r *segRef) usable(what string) {
	if r == nil {
		panic("mproc: use of a " + what + " not made by its New function")
	}
	if r.closed.Load() {
		panic("mproc: use of a closed " + what)
	}
}

// err is usable's error form, for methods that return one.
func (r *segRef) err(what string) error {
	if r == nil {
		return fmt.Errorf("%w: a zero %s (create it with its New function)", ErrUnencodable, what)
	}
	if r.closed.Load() {
		return fmt.Errorf("%w: %s", ErrClosed, what)
	}
	return nil
}
