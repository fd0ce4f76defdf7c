//go:build !linux

package mproc

import (
	"errors"
	"fmt"
)

// SetSubreaper makes this process adopt its orphaned descendants. Only
// Linux has subreapers (PR_SET_CHILD_SUBREAPER): elsewhere it returns an
// error matching errors.ErrUnsupported, and orphans go to the init
// process as usual. mproc's own children need no subreaper anywhere: each
// is reaped by its waiter, and daemons die with their parent.
func SetSubreaper() error {
	return fmt.Errorf("mproc: SetSubreaper: this system has no subreapers: %w", errors.ErrUnsupported)
}
