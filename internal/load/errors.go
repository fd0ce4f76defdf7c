package load

import "errors"

var (
	// ErrBadOption is what Run returns, wrapped, for an option out of range
	// or an address that is not host:port.
	ErrBadOption = errors.New("load: bad option")
	// ErrMismatch matches a reply that is not the upper-cased request.
	ErrMismatch = errors.New("load: reply does not match the request")
	// ErrClosedEarly matches a server that closed the connection before it
	// sent the whole reply.
	ErrClosedEarly = errors.New("load: the server closed the connection before the whole reply")
)
