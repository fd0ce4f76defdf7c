// Package wire is what crosses a process boundary: length-prefixed frames with
// size limits, the default codec, fast paths that skip the codec, and the check
// that refuses values which cannot leave their process (funcs, chans, pointers
// to memory the receiver cannot see).
//
// Everything here decodes bytes written by another process, which may be
// buggy, malicious or killed half-way; decoders bound what they allocate and
// return errors instead of panicking. Each decoder has a fuzz target.
package wire
