package load

import "fmt"

// MismatchError is a reply that differs from the expected one, at Offset.
type MismatchError struct {
	Offset    int  // the first byte that differs
	Got, Want byte // the bytes there
	Size      int  // the message size
}

func (e *MismatchError) Error() string {
	return fmt.Sprintf("load: reply differs at byte %d of %d: got %q, want %q", e.Offset, e.Size, e.Got, e.Want)
}

// Unwrap makes errors.Is(err, ErrMismatch) hold.
func (e *MismatchError) Unwrap() error { return ErrMismatch }
