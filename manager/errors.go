package manager

import (
	"context"
	"errors"
	"fmt"
	"time"

	"mproc"
	"mproc/internal/mgr"
)

// Sentinel errors of managers and their proxies, matched with errors.Is.
// Proxies also give the root package's sentinels where they mean the same:
// mproc.ErrFull and mproc.ErrEmpty for a queue, mproc.ErrNotHeld for a
// bounded semaphore released too often, mproc.ErrBrokenBarrier,
// mproc.ErrAuthentication for a wrong key, mproc.ErrUnencodable.
var (
	// ErrGone is a manager that can't be reached: it died, shut down, or
	// its connection broke in the middle of a call.
	ErrGone = errors.New("manager: the manager is gone")
	// ErrKeyNotFound is a Dict key or Namespace attribute that is not
	// there, or a List item not found (CPython's KeyError, AttributeError,
	// ValueError).
	ErrKeyNotFound = mgr.ErrKey
	// ErrIndexOutOfRange is a List index out of range (CPython's
	// IndexError).
	ErrIndexOutOfRange = mgr.ErrIndex
	// ErrNoObject is a proxy whose object the manager does not have: it
	// was made by another manager, or this one restarted.
	ErrNoObject = mgr.ErrNoObject
	// ErrRefused is a request the manager refuses: nothing executable
	// crosses to it, and only a registered type's exported methods run.
	ErrRefused = mgr.ErrRefused
)

// sentinels are the errors the manager's codes stand for, in one table. A
// timeout is not here: it is the caller's deadline (see answerError).
var sentinels = map[mgr.Code]error{
	mgr.CodeNoObject: ErrNoObject,
	mgr.CodeKey:      ErrKeyNotFound,
	mgr.CodeIndex:    ErrIndexOutOfRange,
	mgr.CodeRefused:  ErrRefused,
	mgr.CodeBadArgs:  mgr.ErrBadArgs,
	mgr.CodeFull:     mproc.ErrFull,
	mgr.CodeEmpty:    mproc.ErrEmpty,
	mgr.CodeNotOwner: mproc.ErrNotHeld,
	mgr.CodeBroken:   mproc.ErrBrokenBarrier,
	mgr.CodeClosed:   mproc.ErrClosed,
}

// answerError is the error an answer carries, matching the sentinel of its
// code. A call that waited and gave up at its deadline matches
// context.DeadlineExceeded, whichever side's clock saw the deadline first.
func answerError(r mgr.Response, req *mgr.Request) error {
	if r.Code == mgr.CodeTimeout {
		return fmt.Errorf("manager: the wait timed out: %w", context.DeadlineExceeded)
	}
	s := sentinels[r.Code]
	switch {
	case s == nil:
		return fmt.Errorf("manager: %s", r.Msg)
	case gaveUp(r.Code, req):
		return &answerErr{msg: r.Msg, sentinels: []error{s, context.DeadlineExceeded}}
	case r.Msg == s.Error():
		return s
	}
	return &answerErr{msg: r.Msg, sentinels: []error{s}}
}

// gaveUp reports whether a call that waited ended at its deadline: a
// queue's Empty or Full answers only that way; a barrier breaks for other
// reasons too, so for it the deadline must have passed.
func gaveUp(c mgr.Code, req *mgr.Request) bool {
	if req.Deadline == 0 || req.Flags&mgr.FlagNoWait != 0 {
		return false
	}
	switch c {
	case mgr.CodeEmpty, mgr.CodeFull:
		return true
	case mgr.CodeBroken:
		return time.Now().UnixNano() >= req.Deadline
	}
	return false
}

// answerErr is an error from the manager with its own text.
type answerErr struct {
	msg       string
	sentinels []error
}

func (e *answerErr) Error() string   { return e.msg }
func (e *answerErr) Unwrap() []error { return e.sentinels }
