package connection

import "mproc/internal/platform"

// ownerOnly refuses: a socket file's mode is not what guards it here, and
// nothing here makes it owner-only, so Listen on a "unix" path fails.
func ownerOnly(uintptr) error {
	return platform.Unsupported("a Unix socket file that only its owner may connect to (mode 0600)")
}
