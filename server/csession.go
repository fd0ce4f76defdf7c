package server

import (
	"context"
	"fmt"
	"net"
	"os"
	"sync"
	"time"

	"mproc/internal/auth"
)

// csession is a child's connection to its server's broker: how it got its
// socket, and how it hears of cuts and stops and relays its room.
type csession struct {
	pc *packetConn

	mu      sync.Mutex
	members map[uint64]*childMember
	cuts    map[uint64]func() // the connections this child serves, by id
	allCut  bool

	granted chan grant // a Process child's connections, given by opConnFD

	stopOnce sync.Once
	stop     chan struct{} // opStop came
	dead     chan struct{} // the session ended: the server's process is gone or done with us
}

// dialSession connects to the broker at addr, passes its challenge with
// key, and sends hello. The answer and the descriptor it carried, if any,
// come back.
func dialSession(ctx context.Context, addr string, key []byte, hello frame) (*csession, frame, *os.File, error) {
	var d net.Dialer
	c, err := d.DialContext(ctx, "unixpacket", addr)
	if err != nil {
		return nil, frame{}, nil, fmt.Errorf("server: dialing the broker: %w", err)
	}
	uc := c.(*net.UnixConn)
	deadline := time.Now().Add(handshakeTimeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	uc.SetDeadline(deadline)
	pc := newPacketConn(uc)
	f, file, err := handshake(pc, key, hello)
	if err != nil {
		uc.Close()
		return nil, frame{}, nil, err
	}
	uc.SetDeadline(time.Time{})
	s := &csession{
		pc: pc, members: map[uint64]*childMember{}, cuts: map[uint64]func(){},
		stop: make(chan struct{}), dead: make(chan struct{}), granted: make(chan grant, grantBuffer),
	}
	go s.readLoop()
	return s, f, file, nil
}

func handshake(pc *packetConn, key []byte, hello frame) (frame, *os.File, error) {
	if err := auth.Answer(pc, key); err != nil {
		return frame{}, nil, fmt.Errorf("server: the broker's handshake: %w", err)
	}
	if err := pc.send(hello); err != nil {
		return frame{}, nil, err
	}
	f, file, err := pc.readFD()
	if err != nil {
		return frame{}, nil, fmt.Errorf("server: the broker's answer: %w", err)
	}
	if f.op == opRefused {
		if file != nil {
			file.Close()
		}
		return frame{}, nil, fmt.Errorf("server: the broker refused: %s", f.data)
	}
	return f, file, nil
}

// grant is a connection the server gave a Process child.
type grant struct {
	id     uint64
	file   *os.File // nil if none came with it
	remote string
}

// grantBuffer is how many connections may wait in a child: the server
// gives a child one at a time, when it is idle.
const grantBuffer = 4

func (s *csession) readLoop() {
	defer s.lost()
	for {
		f, file, err := s.pc.readFD()
		if err != nil {
			return
		}
		if f.op == opConnFD {
			s.grant(grant{id: f.id, file: file, remote: string(f.data)})
			continue
		}
		if file != nil {
			file.Close()
		}
		switch f.op {
		case opJoined:
			if m := s.member(f.id); m != nil {
				m.joinedOnce.Do(func() { close(m.joined) })
			}
		case opDeliver:
			if m := s.member(f.id); m != nil {
				m.in.put(append([]byte(nil), f.data...))
			}
		case opCut:
			s.cut(f.id)
		case opStop:
			s.stopOnce.Do(func() { close(s.stop) })
		}
	}
}

// grant passes a connection to the child's loop; one too many fails at
// once, as the server then broke its side of the protocol.
func (s *csession) grant(g grant) {
	select {
	case s.granted <- g:
	default:
		if g.file != nil {
			g.file.Close()
		}
		go s.send(frame{op: opClosed, id: g.id, data: []byte("server: the child was busy")})
	}
}

// lost ends everything the session served: without the server there is no
// one to serve for.
func (s *csession) lost() {
	close(s.dead)
	s.cut(0)
	s.mu.Lock()
	members := s.members
	s.members = map[uint64]*childMember{}
	s.mu.Unlock()
	for _, m := range members {
		m.in.shut()
	}
}

func (s *csession) member(id uint64) *childMember {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.members[id]
}

// cut cuts connection id, or all of them (0) and any that come after.
func (s *csession) cut(id uint64) {
	s.mu.Lock()
	var fns []func()
	if id == 0 {
		s.allCut = true
		for _, fn := range s.cuts {
			fns = append(fns, fn)
		}
	} else if fn := s.cuts[id]; fn != nil {
		fns = append(fns, fn)
	}
	s.mu.Unlock()
	for _, fn := range fns {
		fn()
	}
}

func (s *csession) send(f frame) error { return s.pc.send(f) }

func (s *csession) close() { s.pc.c.Close() }

// serveConn runs the handler on connection id until it returns, or the
// server cuts it. A cut is the server's doing, so it is not an error here.
func (s *csession) serveConn(ctx context.Context, h *Handler, id uint64, c net.Conn) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var once sync.Once
	wasCut := false
	cut := func() { once.Do(func() { wasCut = true; cancel(); c.Close() }) }
	s.mu.Lock()
	s.cuts[id] = cut
	already := s.allCut
	s.mu.Unlock()
	if already {
		cut()
	}
	var seats memberList
	err := callHandler(withRoom(ctx, seats.track(s.joiner(id))), h.fn, c)
	seats.closeAll()
	s.mu.Lock()
	delete(s.cuts, id)
	s.mu.Unlock()
	once.Do(func() {}) // no cut after this: wasCut is settled
	c.Close()
	if wasCut {
		return nil
	}
	return err
}

// childMember is a room seat whose room is in the server's process.
type childMember struct {
	s          *csession
	id         uint64
	in         *inbox
	joined     chan struct{}
	joinedOnce sync.Once
}

func (s *csession) joiner(id uint64) joiner {
	return func(ctx context.Context) (roomMember, error) {
		m := &childMember{s: s, id: id, in: newInbox(), joined: make(chan struct{})}
		s.mu.Lock()
		if s.members[id] != nil {
			s.mu.Unlock()
			return nil, fmt.Errorf("server: connection %d has joined the room already", id)
		}
		s.members[id] = m
		s.mu.Unlock()
		if err := s.send(frame{op: opJoin, id: id}); err != nil {
			m.close()
			return nil, err
		}
		select {
		case <-m.joined:
			return m, nil
		case <-s.dead:
			m.close()
			return nil, net.ErrClosed
		case <-ctx.Done():
			m.close()
			return nil, ctx.Err()
		}
	}
}

func (m *childMember) send(_ context.Context, msg []byte) error {
	if m.in.isShut() {
		return net.ErrClosed
	}
	return m.s.send(frame{op: opSay, id: m.id, data: msg})
}

func (m *childMember) recv(ctx context.Context) ([]byte, error) { return m.in.get(ctx) }

func (m *childMember) close() error {
	if !m.in.shut() {
		return nil
	}
	m.s.mu.Lock()
	if m.s.members[m.id] == m {
		delete(m.s.members, m.id)
	}
	m.s.mu.Unlock()
	m.s.send(frame{op: opLeave, id: m.id})
	return nil
}
