package connection

import (
	"context"
	"fmt"
	"net"

	"mproc"
)

// upgrades reports whether c moves to shared memory after the handshake.
func upgrades(c net.Conn, cfg *config) bool {
	_, unix := c.(*net.UnixConn)
	return cfg.shm && unix && !cfg.python
}

// offerPipe sends the peer one end of a new pipe over the socket end, and
// returns the other; the socket is closed.
func offerPipe(ctx context.Context, sock *mproc.Conn, cfg *config) (*mproc.Conn, error) {
	defer sock.Close()
	ctx, cancel := context.WithTimeout(ctx, cfg.handshake)
	defer cancel()
	mine, theirs, err := mproc.Pipe(true)
	if err != nil {
		return nil, err
	}
	err = sock.Send(ctx, theirs)
	theirs.Close()
	if err != nil {
		mine.Close()
		return nil, fmt.Errorf("connection: moving to shared memory: %w", err)
	}
	return mine, nil
}

// takePipe receives the pipe end offerPipe sends; the socket is closed.
func takePipe(ctx context.Context, sock *mproc.Conn, cfg *config) (*mproc.Conn, error) {
	defer sock.Close()
	ctx, cancel := context.WithTimeout(ctx, cfg.handshake)
	defer cancel()
	var end *mproc.Conn
	if err := sock.Recv(ctx, &end); err != nil {
		return nil, fmt.Errorf("connection: moving to shared memory (does the listener use WithSharedMemory?): %w", err)
	}
	return end, nil
}
