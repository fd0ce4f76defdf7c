package mproc

import (
	"os"
	"runtime"
	"sync"
	"syscall"

	"mproc/internal/shm"
)

// attachments are what travels beside a message: the shared memory
// segments and the sockets of the shared objects in it, each once, as file
// descriptors (SCM_RIGHTS). They hold those objects open until release (or
// until the garbage collector finds them unreachable), so that a Close in
// another goroutine does not close a descriptor being sent.
type attachments struct {
	segs  []*shm.Segment
	socks []*socket
	seen  map[shm.ID]bool
	holds *holds
}

// holds are what attachments keep open: the functions that let go.
type holds struct {
	mu  sync.Mutex
	fns []func()
}

func (h *holds) release() {
	h.mu.Lock()
	fns := h.fns
	h.fns = nil
	h.mu.Unlock()
	for _, f := range fns {
		f()
	}
}

// hold keeps something open until release.
func (a *attachments) hold(release func()) {
	if a.holds == nil {
		a.holds = &holds{}
		runtime.AddCleanup(a, (*holds).release, a.holds)
	}
	a.holds.mu.Lock()
	a.holds.fns = append(a.holds.fns, release)
	a.holds.mu.Unlock()
}

// release lets go of what a holds open, once its descriptors are sent.
func (a *attachments) release() {
	if a != nil && a.holds != nil {
		a.holds.release()
	}
}

func (a *attachments) once(id shm.ID) bool {
	if a.seen == nil {
		a.seen = map[shm.ID]bool{}
	}
	if a.seen[id] {
		return false
	}
	a.seen[id] = true
	return true
}

func (a *attachments) addSegment(s *shm.Segment) {
	if s != nil && a.once(s.ID) && s.Retain() {
		a.hold(s.Release)
		a.segs = append(a.segs, s)
	}
}

func (a *attachments) addSocket(s *socket) {
	if s != nil && a.once(s.id) {
		a.socks = append(a.socks, s)
	}
}

func (a *attachments) empty() bool { return a == nil || len(a.segs)+len(a.socks) == 0 }

// attachDesc is the wire form of attachments; the descriptors follow in the
// same order, segments first.
type attachDesc struct {
	Segs  []shm.Desc `cbor:",omitempty"`
	Socks []shm.ID   `cbor:",omitempty"`
}

func (d attachDesc) count() int { return len(d.Segs) + len(d.Socks) }

// describe returns the wire form and the descriptors to send. The
// descriptors stay valid while a is reachable (keep it alive until sent).
func (a *attachments) describe() (attachDesc, []int) {
	if a.empty() {
		return attachDesc{}, nil
	}
	var d attachDesc
	var fds []int
	for _, s := range a.segs {
		d.Segs = append(d.Segs, s.Desc)
		fds = append(fds, s.FD())
	}
	for _, s := range a.socks {
		d.Socks = append(d.Socks, s.id)
		fds = append(fds, s.rawFD())
	}
	return d, fds
}

// received holds what came beside a message until it is decoded: the
// segments mapped, the sockets waiting in the inbox for the handles that
// name them.
type received struct {
	segs  []*shm.Segment
	socks []shm.ID
}

// maxAttachFDs is the kernel's limit on descriptors in one message.
const maxAttachFDs = 253

// socket is a Unix socket end that crosses processes inside the objects
// that use it (a Conn, a Queue's side channel).
type socket struct {
	id shm.ID
	f  *os.File     // nonblocking, pollable; nil for a net.Conn's socket
	sc syscall.Conn // f, or the net.Conn (mproc/connection's)
}

func newSocketID() shm.ID { return shm.NewID() }

// rawFD is the descriptor, for sending it; valid while s is open.
func (s *socket) rawFD() int {
	fd := -1
	if rc, err := s.sc.SyscallConn(); err == nil {
		rc.Control(func(f uintptr) { fd = int(f) })
	}
	return fd
}

func (s *socket) close() error { return s.f.Close() }
