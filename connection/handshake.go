package connection

import (
	"context"
	"errors"
	"fmt"
	"net"

	"mproc/internal/auth"
	"mproc/internal/pyconn"
	"mproc/internal/wire"
)

// frameMessage is the kind of a message frame in mproc's framing (the
// root's sockMessage): the handshake's messages are ordinary messages.
const frameMessage = 1

// handshake is the auth package's view of a connection: whole messages
// in the connection's framing. It reads exactly a message's bytes, so that
// nothing after the handshake is taken from the stream.
type handshake struct {
	c  net.Conn
	py bool
}

func (h handshake) WriteMessage(b []byte) error {
	if h.py {
		return pyconn.WriteMessage(h.c, b)
	}
	return wire.WriteFrame(h.c, frameMessage, b)
}

func (h handshake) ReadMessage(max int) ([]byte, error) {
	if h.py {
		return pyconn.ReadMessage(h.c, max)
	}
	k, b, err := wire.ReadFrame(h.c, max)
	if err != nil {
		return nil, err
	}
	if k != frameMessage {
		return nil, fmt.Errorf("%w: a frame of kind %d in the handshake", auth.ErrAuthentication, k)
	}
	return b, nil
}

// shake runs the handshake, if there is a key: the server (the accepting
// side) challenges first, then answers; the client the other way round,
// as CPython's Listener and Client do. Every failure is ErrAuthentication,
// with the cause (ctx's error, EOF ...) beside it.
func shake(ctx context.Context, c net.Conn, cfg *config, server bool) error {
	if cfg.key.IsZero() {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, cfg.handshake)
	defer cancel()
	defer deadline(ctx, c.SetDeadline)()
	h, key := handshake{c: c, py: cfg.python}, cfg.key.Bytes()
	first, second := auth.Answer, auth.Challenge
	if server {
		first, second = second, first
	}
	err := first(h, key)
	if err == nil {
		err = second(h, key)
	}
	if err == nil {
		return nil
	}
	err = ctxErr(ctx, err)
	if !errors.Is(err, auth.ErrAuthentication) {
		err = fmt.Errorf("%w: %w", auth.ErrAuthentication, err)
	}
	return err
}
