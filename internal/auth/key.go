package auth

import (
	"fmt"
	"io"
)

// Key holds an auth key so that printing what holds it never shows the
// key. fmt calls no methods on unexported fields, so a Format method alone
// would not hide a key kept in a config struct printed with %v or %#v. The
// bytes sit behind a *string: fmt prints the contents behind pointers to
// structs, slices, arrays and maps (at the top level, and at every level
// under a wrong verb such as %s of a struct), but only the address behind
// any other pointer. Format covers a Key printed itself.
type Key struct{ p *string }

// NewKey keeps a copy of b; nil gives the zero Key, which means "no key".
func NewKey(b []byte) Key {
	if b == nil {
		return Key{}
	}
	s := string(b)
	return Key{&s}
}

// IsZero reports whether k holds no key (nil, as opposed to empty).
func (k Key) IsZero() bool { return k.p == nil }

// Bytes returns a copy of the key; nil for the zero Key.
func (k Key) Bytes() []byte {
	if k.p == nil {
		return nil
	}
	return []byte(*k.p)
}

// Format prints "[redacted]" for every verb, %#v and %x included.
func (k Key) Format(f fmt.State, _ rune) {
	if k.p == nil {
		io.WriteString(f, "[none]")
		return
	}
	io.WriteString(f, "[redacted]")
}
