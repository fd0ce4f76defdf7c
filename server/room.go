package server

import (
	"context"
	"fmt"
)

// Room is a connection's seat in its server's room: what one member sends,
// every other member of the same server receives, whatever process serves
// each (the server's process relays between them). The Chat handler is
// built on it.
//
// A member that does not keep up with Recv misses messages rather than
// holding the others up: 256 wait for it, and the ones after are dropped.
type Room struct {
	m roomMember
}

// roomMember is a seat: in this process (a goroutine model's), or relayed
// through a broker session (a child's).
type roomMember interface {
	send(ctx context.Context, msg []byte) error
	recv(ctx context.Context) ([]byte, error)
	close() error
}

// memberInbox is how many messages wait for a member before it misses some.
const memberInbox = 256

// roomKey is the context key of a handler's way to join its room.
type roomKey struct{}

type joiner func(ctx context.Context) (roomMember, error)

func withRoom(ctx context.Context, j joiner) context.Context {
	return context.WithValue(ctx, roomKey{}, j)
}

// JoinRoom joins the room of the server whose handler got ctx, and returns
// the seat; Close it to leave. Messages sent before it returns are not
// received. It fails with ErrNoRoom for a context that is not a handler's.
func JoinRoom(ctx context.Context) (*Room, error) {
	j, ok := ctx.Value(roomKey{}).(joiner)
	if !ok {
		return nil, ErrNoRoom
	}
	m, err := j(ctx)
	if err != nil {
		return nil, err
	}
	return &Room{m: m}, nil
}

// Send gives msg to every other member. It fails with ErrTooLarge over
// 64 KiB, and with net.ErrClosed once the seat is closed or the server
// has cut the connection.
func (r *Room) Send(ctx context.Context, msg []byte) error {
	if len(msg) > maxMessage {
		return fmt.Errorf("%w: %d bytes, more than %d", ErrTooLarge, len(msg), maxMessage)
	}
	return r.m.send(ctx, msg)
}

// Recv returns the next message another member sent. It returns ctx's
// error when ctx ends first, and net.ErrClosed once the seat is closed.
func (r *Room) Recv(ctx context.Context) ([]byte, error) { return r.m.recv(ctx) }

// Close leaves the room.
func (r *Room) Close() error { return r.m.close() }
