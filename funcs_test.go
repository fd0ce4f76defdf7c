package mproc_test

import (
	"context"
	"errors"
	"os"
	"time"

	"mproc"
)

// Functions the tests start in children, registered at package level so the
// re-executed test binary has them too.
var (
	echoInt = mproc.Register[int, int]("test.echo", func(x int) int { return x })
	square  = mproc.Register[int, int]("test.square", func(x int) int { return x * x })
	noop    = mproc.Register[mproc.None, mproc.None]("test.noop", func() {})

	whoAmI = mproc.Register[string, identity]("test.whoami", func(arg string) identity {
		me, parent := mproc.Current(), mproc.Parent()
		return identity{
			Arg: arg, Name: me.Name(), Pid: os.Getpid(), PPid: os.Getppid(),
			SelfPid: me.Pid(), AuthKey: me.AuthKey(), Daemon: me.Daemon(),
			ParentName: parent.Name(), ParentPid: parent.Pid(),
		}
	})

	blockUntilCancelled = mproc.Register[mproc.None, mproc.None]("test.block", func(ctx context.Context) error {
		<-ctx.Done()
		return ctx.Err()
	})

	// cleanupOnCancel blocks until cancelled, then writes the file it was
	// given: the proof that Terminate let it clean up.
	cleanupOnCancel = mproc.Register[string, mproc.None]("test.cleanup", func(ctx context.Context, path string) error {
		<-ctx.Done()
		return os.WriteFile(path, []byte("cleaned up"), 0o644)
	})

	failWith = mproc.Register[string, mproc.None]("test.fail", func(msg string) error {
		return errors.New(msg)
	})
	failTimeout = mproc.Register[mproc.None, mproc.None]("test.failtimeout", func() error {
		return errTimeoutWrapped
	})
	panicWith = mproc.Register[string, int]("test.panic", func(msg string) int {
		panic(msg)
	})
	exitWith = mproc.Register[int, mproc.None]("test.exit", func(code int) {
		os.Exit(code)
	})
	sleepFor = mproc.Register[time.Duration, mproc.None]("test.sleep", func(d time.Duration) {
		time.Sleep(d)
	})

	// startFromChild tries to start a child of its own and returns the error.
	startFromChild = mproc.Register[mproc.None, mproc.None]("test.startfromchild", func(ctx context.Context) error {
		_, err := noop.Start(ctx, mproc.None{})
		return err
	})

	// orphanMaker starts a non-daemon grandchild and returns its pid at once;
	// the grandchild outlives it.
	orphanMaker = mproc.Register[mproc.None, int]("test.orphanmaker", func(ctx context.Context) (int, error) {
		p, err := waitParentDeath.Start(ctx, mproc.None{})
		if err != nil {
			return 0, err
		}
		return p.Pid(), nil
	})
	// waitParentDeath runs until its parent has died, then a little longer.
	waitParentDeath = mproc.Register[mproc.None, mproc.None]("test.waitparentdeath", func() {
		for {
			if alive, _ := mproc.Parent().IsAlive(); !alive {
				return
			}
			time.Sleep(5 * time.Millisecond)
		}
	})

	badResult = mproc.Register[mproc.None, any]("test.badresult", func() any {
		return func() {}
	})

	worker = mproc.RegisterRunner[greeter]("test.greeter")
)

var errTimeoutWrapped = wrapTimeout()

func wrapTimeout() error { return &timeoutErr{} }

type timeoutErr struct{}

func (*timeoutErr) Error() string { return "took too long" }
func (*timeoutErr) Is(target error) bool {
	return target == mproc.ErrTimeout
}

type identity struct {
	Arg        string
	Name       string
	Pid        int
	PPid       int
	SelfPid    int
	AuthKey    []byte
	Daemon     bool
	ParentName string
	ParentPid  int
}

// greeter is a process in CPython's subclass style.
type greeter struct{ Name string }

func (g greeter) Run(ctx context.Context) error {
	if g.Name == "" {
		return errors.New("greeter without a name")
	}
	return nil
}
