package mproc

import (
	"errors"
	"fmt"
	"testing"

	"mproc/internal/auth"
	"mproc/internal/lockword"
	"mproc/internal/ring"
	"mproc/internal/shm"
	"mproc/internal/spawn"
	"mproc/internal/wire"
)

// TestInternalErrorsMatchSentinels keeps errors.go's table honest: every
// error an internal package can hand up matches one of this package's
// sentinels, so callers never need to import an internal package to test it.
func TestInternalErrorsMatchSentinels(t *testing.T) {
	table := []struct {
		name     string
		internal error
		root     error
	}{
		{"ring.ErrClosed", ring.ErrClosed, ErrClosed},
		{"ring.ErrEmpty", ring.ErrEmpty, ErrEmpty},
		{"ring.ErrFull", ring.ErrFull, ErrFull},
		{"ring.ErrTaskDone", ring.ErrTaskDone, ErrTaskDone},
		{"ring.ErrCorrupt", ring.ErrCorrupt, ErrCorrupt},
		{"lockword.ErrOwnerDead", lockword.ErrOwnerDead, ErrOwnerDead},
		{"auth.ErrAuthentication", auth.ErrAuthentication, ErrAuthentication},
		{"wire.ErrUnencodable", wire.ErrUnencodable, ErrUnencodable},
		{"wire.ErrCorrupt", wire.ErrCorrupt, ErrCorrupt},
		{"wire.ErrTooLarge", wire.ErrTooLarge, ErrTooLarge},
		{"shm.ErrUnknown", shm.ErrUnknown, ErrCorrupt},
		{"spawn.ErrMissingFDs", spawn.ErrMissingFDs, ErrCorrupt},
	}
	for _, c := range table {
		wrapped := fmt.Errorf("context: %w", c.internal)
		if !errors.Is(wrapped, c.root) {
			t.Errorf("%s does not match %v", c.name, c.root)
		}
		if len(sentinelNames(wrapped)) == 0 {
			t.Errorf("%s has no name to cross a process boundary with", c.name)
		}
	}
}

// TestSentinelsCrossByName checks that every sentinel has a name and that
// the name leads back to the same sentinel.
func TestSentinelsCrossByName(t *testing.T) {
	for name, err := range sentinels {
		got := sentinelNames(fmt.Errorf("x: %w", err))
		found := false
		for _, n := range got {
			found = found || n == name
		}
		if !found {
			t.Errorf("%v: names %v lack %q", err, got, name)
		}
	}
}
