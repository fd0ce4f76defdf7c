package server

import "errors"

var (
	// ErrServerClosed is what Serve returns after Shutdown, and what a
	// Serve called after Shutdown returns at once (as net/http's).
	ErrServerClosed = errors.New("server: closed")

	// ErrCut is the error of a connection the server closed because the
	// grace period of a shutdown ran out (Event.Err of its EventClosed).
	ErrCut = errors.New("server: connection cut at shutdown")

	// ErrNoRoom is JoinRoom's error for a context that is not a handler's.
	ErrNoRoom = errors.New("server: not a handler's context: no room to join")

	// ErrTooLarge is Room.Send's error for a message over the 64 KiB a
	// relay between processes carries.
	ErrTooLarge = errors.New("server: room message too large")
)
