// Package ctxio applies a context to the reads or writes of a connection
// with deadlines (an *os.File, a net.Conn), and reports the deadline it ran
// into as the context's error.
package ctxio

import (
	"context"
	"errors"
	"os"
	"time"
)

// Deadline applies ctx to a connection's reads or writes until stop is
// called. stop waits for a callback on ctx's end that has started, so that
// its deadline can't land after the reset and fail the next call at once.
func Deadline(ctx context.Context, set func(time.Time) error) (stop func()) {
	if d, ok := ctx.Deadline(); ok {
		set(d)
	}
	fired := make(chan struct{})
	after := context.AfterFunc(ctx, func() {
		set(time.Now())
		close(fired)
	})
	return func() {
		if !after() {
			<-fired
		}
		set(time.Time{})
	}
}

// Err reports a deadline the connection ran into as ctx's error. The
// connection's timer may fire before ctx's own: a deadline that has passed
// is ctx's even while ctx.Err() is still nil.
func Err(ctx context.Context, err error) error {
	if !RanOut(ctx, err) {
		return err
	}
	if e := ctx.Err(); e != nil {
		return e
	}
	return context.DeadlineExceeded
}

// RanOut reports that err is the connection's deadline and that it was
// ctx's: ctx has ended, or its deadline has passed.
func RanOut(ctx context.Context, err error) bool {
	if !errors.Is(err, os.ErrDeadlineExceeded) {
		return false
	}
	d, ok := ctx.Deadline()
	return ctx.Err() != nil || ok && !time.Now().Before(d)
}
