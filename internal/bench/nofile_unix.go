//go:build unix

package bench

import (
	"context"
	"sync"
	"syscall"
)

var noFile struct {
	once  sync.Once
	limit uint64
	err   error
}

// raiseNoFile raises this process's soft descriptor limit to its hard
// limit, once (children, CPython's servers too, inherit it), and returns
// the soft limit, with a note when it is below need.
func raiseNoFile(ctx context.Context, need int) (uint64, error) {
	noFile.once.Do(func() {
		var rl syscall.Rlimit
		if noFile.err = syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); noFile.err != nil {
			return
		}
		if rl.Cur < rl.Max {
			was := rl.Cur
			rl.Cur = rl.Max
			if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
				rl.Cur = was
			}
		}
		noFile.limit = uint64(rl.Cur) // int64 on FreeBSD
	})
	if noFile.err == nil && noFile.limit < uint64(need) {
		logf(ctx, "the descriptor limit (ulimit -n) is %d, below the %d this group wants", noFile.limit, need)
	}
	return noFile.limit, noFile.err
}
