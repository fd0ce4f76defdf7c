package natsproc

import (
	"errors"
	"fmt"
	"strings"
)

// ErrNotFound is what a NotFoundError matches with errors.Is.
var ErrNotFound = errors.New("natsproc: no nats-server binary found")

// NotFoundError says which places Locate tried and how to get a server.
type NotFoundError struct {
	Tried []string // each place tried and why it did not give a server
}

func (e *NotFoundError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "no nats-server binary found (tried: %s); install one with\n", strings.Join(e.Tried, "; "))
	fmt.Fprintf(&b, "  go install github.com/nats-io/nats-server/v2@%s\n", Version)
	b.WriteString("or set MPROC_NATS_SERVER to the path of a nats-server binary")
	return b.String()
}

func (e *NotFoundError) Unwrap() error { return ErrNotFound }
