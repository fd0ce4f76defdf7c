package mproc

import (
	"fmt"
	"strings"
)

// RemoteError is an error or panic that happened in a child process, carried
// back to the parent as text (errors are values of the child's memory; only
// their text, type name, stack and sentinel cross).
type RemoteError struct {
	Name      string // the child's process name
	Pid       int
	Message   string // err.Error() in the child, or the panic value
	Type      string // the Go type of the error or panic value
	Stack     string // the child's goroutine stack, for panics
	Panicked  bool
	sentinels []error
}

func (e *RemoteError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "mproc: %s (pid %d): ", e.Name, e.Pid)
	if e.Panicked {
		b.WriteString("panic: ")
	}
	b.WriteString(e.Message)
	if e.Stack != "" {
		b.WriteString("\n\n")
		b.WriteString(e.Stack)
	}
	return b.String()
}

// Unwrap returns the mproc and context sentinels the child's error matched.
func (e *RemoteError) Unwrap() []error { return e.sentinels }
