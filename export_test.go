package mproc

import "sync/atomic"

// What the tests look at and users need not: Python keeps these private too.

// Locked reports whether some process holds l (a snapshot).
func Locked(l *Lock) bool { return atomic.LoadUint32(l.word()) != 0 }

// MaxSize is q's item limit (0: none).
func MaxSize[T any](q *Queue[T]) int { q.check(); defer q.exit(); return q.r.MaxItems() }

// Unfinished is the number of items put in q and not yet marked done.
func Unfinished[T any](q *JoinableQueue[T]) int { q.check(); defer q.exit(); return q.r.Unfinished() }
