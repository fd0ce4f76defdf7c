package mproc

import "fmt"

// PanicError is the error of a task that panicked on a GoExecutor's
// goroutine, or of an Imap input that panicked: the panic's value and the
// stack. (A task that panics in a child process gives a *RemoteError with
// Panicked set.)
type PanicError struct {
	Value any
	Stack string
}

func (p *PanicError) Error() string {
	return fmt.Sprintf("panic: %v\n\n%s", p.Value, p.Stack)
}
