package server

import (
	"context"
	"net"
	"sync"
)

// hub is a server's room, in the server's process: members here (handlers
// of a goroutine model) and relays of members in children.
type hub struct {
	mu      sync.Mutex
	members map[*seat]struct{}
}

// seat is a member as the hub sees it: deliver must not block.
type seat struct {
	deliver func(msg []byte)
}

func (h *hub) add(s *seat) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.members == nil {
		h.members = map[*seat]struct{}{}
	}
	h.members[s] = struct{}{}
}

func (h *hub) remove(s *seat) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.members, s)
}

// publish gives msg to every member but from. The message is copied once:
// members share it, and none writes to it.
func (h *hub) publish(from *seat, msg []byte) {
	msg = append([]byte(nil), msg...)
	h.mu.Lock()
	defer h.mu.Unlock()
	for s := range h.members {
		if s != from {
			s.deliver(msg)
		}
	}
}

// inbox is a member's queue of messages, which drops what does not fit.
type inbox struct {
	ch     chan []byte
	closed chan struct{}
	once   sync.Once
}

func newInbox() *inbox {
	return &inbox{ch: make(chan []byte, memberInbox), closed: make(chan struct{})}
}

func (in *inbox) put(msg []byte) {
	select {
	case in.ch <- msg:
	default: // a member that does not keep up misses messages
	}
}

func (in *inbox) get(ctx context.Context) ([]byte, error) {
	select { // a message already there comes before the close
	case m := <-in.ch:
		return m, nil
	default:
	}
	select {
	case m := <-in.ch:
		return m, nil
	case <-in.closed:
		return nil, net.ErrClosed
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// shut closes the inbox; it reports whether this call did.
func (in *inbox) shut() bool {
	done := false
	in.once.Do(func() { close(in.closed); done = true })
	return done
}

func (in *inbox) isShut() bool {
	select {
	case <-in.closed:
		return true
	default:
		return false
	}
}

// localMember is a member served in the hub's process.
type localMember struct {
	h    *hub
	seat seat
	in   *inbox
}

func (h *hub) joinLocal(context.Context) (roomMember, error) {
	m := &localMember{h: h, in: newInbox()}
	m.seat.deliver = m.in.put
	h.add(&m.seat)
	return m, nil
}

func (m *localMember) send(_ context.Context, msg []byte) error {
	if m.in.isShut() {
		return net.ErrClosed
	}
	m.h.publish(&m.seat, msg)
	return nil
}

func (m *localMember) recv(ctx context.Context) ([]byte, error) { return m.in.get(ctx) }

func (m *localMember) close() error {
	if m.in.shut() {
		m.h.remove(&m.seat)
	}
	return nil
}
