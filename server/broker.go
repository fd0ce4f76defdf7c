package server

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"sync"
	"time"

	"mproc/internal/auth"
)

// broker hands accepted sockets (and the listener) to the server's child
// processes, and relays their room messages. It listens on an abstract
// Unix socket (SOCK_SEQPACKET) with a random name; a peer must run as this
// process's user (SO_PEERCRED) and answer a challenge with the server's
// random key (CPython's HMAC handshake, internal/auth), which only the
// children are given, before it may ask for anything.
type broker struct {
	r    *run
	ln   *net.UnixListener
	addr string
	key  []byte
	uid  int

	wg       sync.WaitGroup
	mu       sync.Mutex
	sessions map[*bsession]struct{}
	closed   bool
}

// handshakeTimeout bounds a peer's handshake and hello.
const handshakeTimeout = 10 * time.Second

// owner is what sessions are for: the model that gives connections or
// listeners to children, and hears their reports.
type owner interface {
	hello(s *bsession, f frame) error // the session's first frame; an error refuses it
	report(s *bsession, f frame)      // opReady, opAccepted, opClosed
	ended(s *bsession)
}

func newBroker(r *run) (*broker, error) {
	key := make([]byte, 32)
	rand.Read(key)
	name := make([]byte, 12)
	rand.Read(name)
	addr := "@mproc-server-" + hex.EncodeToString(name)
	ln, err := net.ListenUnix("unixpacket", &net.UnixAddr{Name: addr, Net: "unixpacket"})
	if err != nil {
		return nil, fmt.Errorf("server: the broker's socket: %w", err)
	}
	b := &broker{r: r, ln: ln, addr: addr, key: key, uid: os.Getuid(), sessions: map[*bsession]struct{}{}}
	b.wg.Go(b.acceptLoop)
	return b, nil
}

func (b *broker) acceptLoop() {
	for {
		c, err := b.ln.AcceptUnix()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			if retryable(err) {
				time.Sleep(10 * time.Millisecond) // out of descriptors: let some close
				continue
			}
			return
		}
		b.wg.Go(func() { b.handle(c) })
	}
}

// handle runs one peer's session: the checks, its hello, then its frames.
func (b *broker) handle(c *net.UnixConn) {
	s, f, err := b.admit(c)
	if err != nil {
		c.Close()
		return
	}
	if !b.add(s) {
		c.Close()
		return
	}
	defer b.remove(s)
	if err := b.owner().hello(s, f); err != nil {
		s.pc.send(frame{op: opRefused, data: []byte(err.Error())})
		return
	}
	go s.writeLoop()
	s.readLoop()
}

// admit checks the peer's user and key and reads its hello.
func (b *broker) admit(c *net.UnixConn) (*bsession, frame, error) {
	uid, pid, err := peerCred(c)
	if err != nil {
		return nil, frame{}, err
	}
	if uid != b.uid {
		return nil, frame{}, fmt.Errorf("%w: peer uid %d", auth.ErrAuthentication, uid)
	}
	c.SetDeadline(time.Now().Add(handshakeTimeout))
	pc := newPacketConn(c)
	if err := auth.Challenge(pc, b.key); err != nil {
		return nil, frame{}, err
	}
	f, err := pc.read()
	if err != nil {
		return nil, frame{}, err
	}
	if f.op != opHelloConn && f.op != opHelloWorker && f.op != opHelloProc {
		return nil, frame{}, fmt.Errorf("%w: op %d before hello", errFrame, f.op)
	}
	c.SetDeadline(time.Time{})
	return newBsession(b, pc, pid), f, nil
}

func (b *broker) owner() owner {
	if o, ok := b.r.impl.(owner); ok {
		return o
	}
	return connOwner{b.r}
}

func (b *broker) add(s *bsession) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return false
	}
	b.sessions[s] = struct{}{}
	return true
}

func (b *broker) remove(s *bsession) {
	s.end()
	b.owner().ended(s)
	b.mu.Lock()
	delete(b.sessions, s)
	b.mu.Unlock()
}

// close stops the broker and ends its sessions; it returns once their
// goroutines have.
func (b *broker) close() {
	b.mu.Lock()
	b.closed = true
	ss := make([]*bsession, 0, len(b.sessions))
	for s := range b.sessions {
		ss = append(ss, s)
	}
	b.mu.Unlock()
	b.ln.Close()
	for _, s := range ss {
		s.pc.c.Close()
	}
	b.wg.Wait()
}

// connOwner gives the per-connection process models' children their
// connections.
type connOwner struct{ r *run }

// hello sends the child the socket of the connection it was given. The
// server keeps its own copy until the child's process or task ends.
func (o connOwner) hello(s *bsession, f frame) error {
	if f.op != opHelloConn {
		return fmt.Errorf("server: a worker's hello to a %s server", o.r.s.m)
	}
	t := o.r.lookup(f.id)
	if t == nil {
		return fmt.Errorf("server: no connection %d waits for a process", f.id)
	}
	t.mu.Lock()
	if t.sess != nil || t.ended {
		t.mu.Unlock()
		return fmt.Errorf("server: connection %d was taken", f.id)
	}
	t.sess = s
	isCut := t.isCut
	t.mu.Unlock()
	err := t.withFD(func(fd int) error {
		return s.pc.sendFD(frame{op: opConnFD, id: f.id, data: []byte(t.remote)}, fd)
	})
	if err != nil {
		return err
	}
	if isCut {
		s.queue(frame{op: opCut, id: t.id}, false)
	}
	o.r.ev.emit(Event{Kind: EventServed, Conn: t.id, Remote: t.remote, Pid: s.pid})
	return nil
}

func (connOwner) report(*bsession, frame) {}
func (connOwner) ended(*bsession)         {}
