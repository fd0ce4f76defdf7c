package lockword

import "sync/atomic"

// Owner tokens name the owner of a re-entrant lock, the root's RLock or a
// manager's, across processes: this pid and the owner's number in it (0:
// the process itself), so that a token left behind by a dead holder never
// matches a live owner.

var ownerCounter atomic.Uint64

// OwnerToken is the token of owner n of this process; 0 is the process.
func OwnerToken(n uint64) uint64 { return uint64(Self)<<40 | n&(1<<40-1) }

// NewOwnerToken returns the token of a new owner in this process.
func NewOwnerToken() uint64 { return OwnerToken(ownerCounter.Add(1)) }
