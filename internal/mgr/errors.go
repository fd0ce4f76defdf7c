package mgr

import (
	"errors"
	"fmt"
)

// Code names an error across the wire, so that the client can give its
// caller the matching sentinel.
type Code uint8

const (
	CodeOK Code = iota
	CodeOther
	CodeNoObject
	CodeKey
	CodeIndex
	CodeFull
	CodeEmpty
	CodeTimeout
	CodeNotOwner
	CodeBroken
	CodeRefused
	CodeBadArgs
	CodeClosed
	codeEnd
)

// The server's errors, one per code.
var (
	ErrNoObject = errors.New("manager: no such object in the manager (it was made by another manager, or this one restarted)")
	ErrKey      = errors.New("manager: key not found")
	ErrIndex    = errors.New("manager: index out of range")
	ErrFull     = errors.New("manager: full")
	ErrEmpty    = errors.New("manager: empty")
	ErrTimeout  = errors.New("manager: timeout")
	ErrNotOwner = errors.New("manager: release of a lock that is not held")
	ErrBroken   = errors.New("manager: broken barrier")
	ErrRefused  = errors.New("manager: the manager refuses the request")
	ErrBadArgs  = errors.New("manager: bad arguments to a manager call")
	ErrClosed   = errors.New("manager: closed")
)

var byCode = map[Code]error{
	CodeNoObject: ErrNoObject, CodeKey: ErrKey, CodeIndex: ErrIndex, CodeFull: ErrFull,
	CodeEmpty: ErrEmpty, CodeTimeout: ErrTimeout, CodeNotOwner: ErrNotOwner, CodeBroken: ErrBroken,
	CodeRefused: ErrRefused, CodeBadArgs: ErrBadArgs, CodeClosed: ErrClosed,
}

// CodeOf is err's code on the wire.
func CodeOf(err error) Code {
	for c, e := range byCode {
		if errors.Is(err, e) {
			return c
		}
	}
	return CodeOther
}

// Sentinel is the error a code stands for (nil for CodeOther).
func Sentinel(c Code) error { return byCode[c] }

// bad is an ErrBadArgs with the details.
func bad(format string, a ...any) error {
	return fmt.Errorf("%w: %s", ErrBadArgs, fmt.Sprintf(format, a...))
}
