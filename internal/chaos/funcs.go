package chaos

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"syscall"

	"mproc"
	"mproc/manager"
)

// The functions the cases run in child processes. Registered at package
// level, so a child (the same binary run again) has them too; every name
// starts with "chaos.".
var (
	noop   = mproc.Register[mproc.None, mproc.None]("chaos.noop", func() {})
	square = mproc.Register[int, int]("chaos.square", func(x int) int { return x * x })

	// block stays until its ctx ends: a child that is only there to be
	// killed.
	block = mproc.Register[mproc.None, mproc.None]("chaos.block", func(ctx context.Context) error {
		<-ctx.Done()
		return ctx.Err()
	})

	holdSquare = mproc.Register[mapItem, int]("chaos.hold-square", func(ctx context.Context, a mapItem) (int, error) {
		if a.X == a.Target {
			if err := os.WriteFile(filepath.Join(a.Dir, "pid"), []byte(strconv.Itoa(os.Getpid())), 0o644); err != nil {
				return 0, err
			}
			if err := poll(ctx, "the parent lets go", func() bool { return exists(filepath.Join(a.Dir, "go")) }); err != nil {
				return 0, err
			}
		}
		return a.X * a.X, nil
	})

	holdLock = mproc.Register[lockArg, mproc.None]("chaos.hold-lock", func(ctx context.Context, a lockArg) error {
		if err := a.L.LockContext(ctx); err != nil && !errors.Is(err, mproc.ErrOwnerDead) {
			return err
		}
		a.Held.Set()
		<-ctx.Done()
		return ctx.Err()
	})

	// produce returns the number of Puts that returned, once Stop is set.
	produce = mproc.Register[producerArg, int]("chaos.produce", func(ctx context.Context, a producerArg) (int, error) {
		seq := 0
		for ; !a.Stop.IsSet(); seq++ {
			if err := a.Q.Put(ctx, makePutItem(a.ID, seq)); err != nil {
				return seq, err
			}
			a.Done.Store(int64(seq + 1))
		}
		return seq, nil
	})

	family = mproc.Register[familyArg, mproc.None]("chaos.family", runFamily)

	// managerGet waits in q.Get and says how that ended: "" for ErrGone,
	// else the error (a RemoteError would not match manager.ErrGone).
	managerGet = mproc.Register[*manager.Queue[int], string]("chaos.manager-get", func(ctx context.Context, q *manager.Queue[int]) string {
		_, err := q.Get(ctx)
		if err := gone(err); err != nil {
			return err.Error()
		}
		return ""
	})

	// alloc allocates and touches mib MiB, keeps them, and returns its pid.
	alloc = mproc.Register[int, int]("chaos.alloc", func(mib int) int {
		b := make([]byte, mib<<20)
		for i := 0; i < len(b); i += 4096 {
			b[i] = 1
		}
		held = append(held, b)
		return os.Getpid()
	})

	rss = mproc.Register[mproc.None, int64]("chaos.rss", residentBytes)
)

// held keeps alloc's memory referenced, so that the worker stays big after
// the task.
var held [][]byte

// residentBytes is this process's resident size.
func residentBytes() (int64, error) {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0, err
	}
	var size, res int64
	if _, err := fmt.Sscan(string(b), &size, &res); err != nil {
		return 0, err
	}
	return res * int64(syscall.Getpagesize()), nil
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
