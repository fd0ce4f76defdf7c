//go:build unix

package mproc

import (
	"encoding/binary"
	"fmt"
	"os"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"

	"mproc/internal/shm"
	"mproc/internal/spawn"
	"mproc/internal/wire"
)

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

// errNoSocket means a handle named a socket that did not come with it.
var errNoSocket = fmt.Errorf("%w: a connection arrived without its socket", ErrCorrupt)

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
