// Package progress draws mproc's progress as a terminal bar (with
// github.com/schollz/progressbar): a Map's in one line of user code,
//
//	squares, err := Square.Map(ctx, pool, xs, progress.Map())
//
// an Imap's by wrapping its iterator,
//
//	for r, err := range progress.Seq2(Square.Imap(ctx, pool, xs), len(xs)) {
//
// and any count of things done with a Bar. A bar goes to stderr, or to the
// writer given with WithWriter, and only when that is a terminal: in a
// pipe, a log file or CI the output stays as it was (WithAlways draws
// anyway). The core package mproc does not import this one; it only has
// the callback, mproc.WithProgress, that Map calls.
package progress
