package server

import (
	"errors"
	"net"
	"sync"
)

// bsession is a child's connection to the broker, in the server's process.
// Frames to the child go through one writer goroutine, in order; room
// deliveries are dropped when too many wait (a child that does not read
// must not hold the room up), control frames never are.
type bsession struct {
	b   *broker
	pc  *packetConn
	pid int // the child's, from SO_PEERCRED

	mu      sync.Mutex
	out     []outFrame
	queued  int // deliveries among out
	wake    chan struct{}
	closed  bool
	seats   map[uint64]*seat // the room seats of the child's connections, by id
	owner   any              // what the owner attached: its worker or connection
	stopped chan struct{}    // closed when the session ends
}

// outFrame is a frame queued for the child, with the connection whose
// descriptor goes beside it, if any.
type outFrame struct {
	b    []byte
	conn *tracked
}

func newBsession(b *broker, pc *packetConn, pid int) *bsession {
	return &bsession{b: b, pc: pc, pid: pid, wake: make(chan struct{}, 1), seats: map[uint64]*seat{}, stopped: make(chan struct{})}
}

// queue sends f to the child after the frames already queued. A delivery
// (droppable) is dropped when memberInbox deliveries wait already.
func (s *bsession) queue(f frame, droppable bool) {
	s.mu.Lock()
	if s.closed || droppable && s.queued >= memberInbox {
		s.mu.Unlock()
		return
	}
	s.out = append(s.out, outFrame{b: f.encode()})
	if droppable {
		s.queued++
	}
	s.mu.Unlock()
	s.signal()
}

// give queues connection t for the child (opConnFD, with t's descriptor).
// It reports false if the session has ended.
func (s *bsession) give(t *tracked) bool {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return false
	}
	s.out = append(s.out, outFrame{b: frame{op: opConnFD, id: t.id, data: []byte(t.remote)}.encode(), conn: t})
	s.mu.Unlock()
	s.signal()
	return true
}

func (s *bsession) signal() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

func (s *bsession) writeLoop() {
	for {
		select {
		case <-s.wake:
		case <-s.stopped:
			return
		}
		s.mu.Lock()
		out := s.out
		s.out, s.queued = nil, 0
		s.mu.Unlock()
		for _, o := range out {
			if err := s.write(o); err != nil {
				s.pc.c.Close() // ends the reader too
				return
			}
		}
	}
}

// write sends one queued frame. A connection closed before its turn
// (the server cut it) goes without its descriptor: the child reports it
// ended.
func (s *bsession) write(o outFrame) error {
	if o.conn == nil {
		return s.pc.WriteMessage(o.b)
	}
	err := o.conn.withFD(func(fd int) error { return s.pc.writeFD(o.b, fd) })
	if errors.Is(err, net.ErrClosed) {
		return s.pc.WriteMessage(o.b)
	}
	return err
}

// readLoop handles the child's frames until it goes.
func (s *bsession) readLoop() {
	for {
		f, err := s.pc.read()
		if err != nil {
			return
		}
		switch f.op {
		case opJoin:
			s.join(f.id)
		case opSay:
			s.mu.Lock()
			st := s.seats[f.id]
			s.mu.Unlock()
			if st != nil {
				s.b.r.hub.publish(st, f.data)
			}
		case opLeave:
			s.leave(f.id)
		case opReady, opAccepted, opClosed:
			s.b.owner().report(s, f)
		default:
			return // a child that breaks the protocol loses its session
		}
	}
}

func (s *bsession) join(id uint64) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	st := s.seats[id]
	if st == nil {
		st = &seat{deliver: func(msg []byte) { s.queue(frame{op: opDeliver, id: id, data: msg}, true) }}
		s.seats[id] = st
	}
	s.mu.Unlock()
	s.b.r.hub.add(st)
	s.queue(frame{op: opJoined, id: id}, false)
}

func (s *bsession) leave(id uint64) {
	s.mu.Lock()
	st := s.seats[id]
	delete(s.seats, id)
	s.mu.Unlock()
	if st != nil {
		s.b.r.hub.remove(st)
	}
}

// end closes the session: its seats leave the room.
func (s *bsession) end() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	seats := s.seats
	s.seats = nil
	s.out = nil
	close(s.stopped)
	s.mu.Unlock()
	for _, st := range seats {
		s.b.r.hub.remove(st)
	}
	s.pc.c.Close()
}
