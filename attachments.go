package mproc

import (
	"encoding/binary"
	"fmt"
	"os"
	"runtime"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"

	"mproc/internal/shm"
	"mproc/internal/spawn"
	"mproc/internal/wire"
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

// inbox holds received socket descriptors by id while their message is
// decoded; a handle claims a copy.
var inbox = struct {
	sync.Mutex
	m map[shm.ID]int
}{m: map[shm.ID]int{}}

// receive maps and files what came beside a message; the caller decodes,
// then calls done.
func receive(d attachDesc, fds []int) (*received, error) {
	if len(fds) != d.count() {
		closeAll(fds)
		return nil, fmt.Errorf("%w: %d descriptors for %d attachments", ErrCorrupt, len(fds), d.count())
	}
	r := &received{}
	for i, desc := range d.Segs {
		s, err := shm.Attach(desc, fds[i])
		if err != nil {
			closeAll(fds[i+1:])
			r.done()
			return nil, err
		}
		r.segs = append(r.segs, s)
	}
	inbox.Lock()
	for i, id := range d.Socks {
		if old, dup := inbox.m[id]; dup {
			unix.Close(old)
		}
		inbox.m[id] = fds[len(d.Segs)+i]
		r.socks = append(r.socks, id)
	}
	inbox.Unlock()
	return r, nil
}

// done releases what the decoded handles did not claim: a segment stays
// mapped if a handle took a reference to it.
func (r *received) done() {
	if r == nil {
		return
	}
	inbox.Lock()
	for _, id := range r.socks {
		if fd, ok := inbox.m[id]; ok {
			unix.Close(fd)
			delete(inbox.m, id)
		}
	}
	inbox.Unlock()
	for _, s := range r.segs {
		s.Release()
	}
	r.segs = nil
}

func closeAll(fds []int) {
	for _, fd := range fds {
		unix.Close(fd)
	}
}

// Socket types for newSocketPair.
const (
	sockStream    = unix.SOCK_STREAM
	sockSeqpacket = sockMessages // see sockets_*.go
)

// maxAttachFDs is the kernel's limit on descriptors in one message.
const maxAttachFDs = 253

// sendAttachments sends att's descriptors on a side channel, as one message
// tagged with the nonce of the item they belong to.
func sendAttachments(s *socket, nonce uint64, att *attachments) error {
	desc, fds := att.describe()
	if len(fds) > maxAttachFDs {
		return fmt.Errorf("%w: %d shared objects in one item, at most %d", ErrUnencodable, len(fds), maxAttachFDs)
	}
	msg := binary.LittleEndian.AppendUint64(nil, nonce)
	body, err := wire.CBOR.Marshal(desc)
	if err != nil {
		return err
	}
	msg = append(msg, body...)
	rc, err := s.f.SyscallConn()
	if err != nil {
		return err
	}
	var serr error
	if err := rc.Write(func(fd uintptr) bool {
		serr = unix.Sendmsg(int(fd), msg, unix.UnixRights(fds...), nil, 0)
		return serr != unix.EAGAIN
	}); err != nil {
		return err
	}
	att.release()
	return serr
}

// recvAttachments takes the side channel's messages until the one tagged
// nonce; earlier ones belong to items that were never committed (their
// producer died) and are dropped.
func recvAttachments(s *socket, nonce uint64) (*received, error) {
	rc, err := s.f.SyscallConn()
	if err != nil {
		return nil, err
	}
	buf := make([]byte, 64<<10)
	oob := make([]byte, unix.CmsgSpace(4*maxAttachFDs))
	for {
		var n, oobn int
		var rerr error
		cerr := rc.Control(func(fd uintptr) {
			n, oobn, rerr = spawn.Recvmsg(int(fd), buf, oob, unix.MSG_DONTWAIT)
		})
		if cerr != nil {
			return nil, cerr
		}
		if rerr != nil {
			return nil, fmt.Errorf("mproc: the shared objects of an item did not arrive: %w", rerr)
		}
		fds := parseRights(oob[:oobn])
		if n < 8 || binary.LittleEndian.Uint64(buf) != nonce {
			closeAll(fds)
			continue
		}
		var desc attachDesc
		if err := wire.CBOR.Unmarshal(buf[8:n], &desc); err != nil {
			closeAll(fds)
			return nil, fmt.Errorf("%w: attachments: %v", wire.ErrCorrupt, err)
		}
		return receive(desc, fds)
	}
}

func parseRights(oob []byte) []int {
	msgs, err := unix.ParseSocketControlMessage(oob)
	if err != nil {
		return nil
	}
	var fds []int
	for _, m := range msgs {
		if f, err := unix.ParseUnixRights(&m); err == nil {
			fds = append(fds, f...)
		}
	}
	return fds
}

// errNoSocket means a handle named a socket that did not come with it.
var errNoSocket = fmt.Errorf("%w: a connection arrived without its socket", ErrCorrupt)

// socket is a Unix socket end that crosses processes inside the objects
// that use it (a Conn, a Queue's side channel).
type socket struct {
	id shm.ID
	f  *os.File     // nonblocking, pollable; nil for a net.Conn's socket
	sc syscall.Conn // f, or the net.Conn (mproc/connection's)
}

// readableFD reports, without waiting, whether a read of a socket would not
// block: data or the peer's end is there.
func readableFD(sc syscall.Conn) (bool, error) {
	rc, err := sc.SyscallConn()
	if err != nil {
		return false, ErrClosed
	}
	var ready bool
	var perr error
	err = rc.Control(func(fd uintptr) {
		pfd := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
		for {
			n, e := unix.Poll(pfd, 0)
			if e == unix.EINTR {
				continue
			}
			ready, perr = n > 0 && pfd[0].Revents != 0, e
			return
		}
	})
	if err != nil {
		return false, ErrClosed
	}
	return ready, perr
}

func newSocket(id shm.ID, fd int) *socket {
	unix.SetNonblock(fd, true)
	f := os.NewFile(uintptr(fd), "mproc-socket")
	return &socket{id: id, f: f, sc: f}
}

// newSocketPair makes two connected sockets of the given type
// (SOCK_STREAM, SOCK_SEQPACKET) with fresh ids.
func newSocketPair(typ int) (*socket, *socket, error) {
	fds, err := spawn.Socketpair(typ)
	if err != nil {
		return nil, nil, err
	}
	return newSocket(newSocketID(), fds[0]), newSocket(newSocketID(), fds[1]), nil
}

func newSocketID() shm.ID { return shm.NewID() }

// claimSocket returns this process's copy of a socket that came with the
// message being decoded.
func claimSocket(id shm.ID) (*socket, error) {
	inbox.Lock()
	fd, ok := inbox.m[id]
	inbox.Unlock()
	if !ok {
		return nil, errNoSocket
	}
	dup, err := unix.FcntlInt(uintptr(fd), unix.F_DUPFD_CLOEXEC, 3)
	if err != nil {
		return nil, fmt.Errorf("mproc: claiming a socket: %w", err)
	}
	return newSocket(id, dup), nil
}

// rawFD is the descriptor, for sending it; valid while s is open.
func (s *socket) rawFD() int {
	fd := -1
	if rc, err := s.sc.SyscallConn(); err == nil {
		rc.Control(func(f uintptr) { fd = int(f) })
	}
	return fd
}

func (s *socket) close() error { return s.f.Close() }
