package rootlink

import (
	"context"
	"time"
)

// RemoteTask is a task of a registered function as mproc/cluster carries it
// to another machine: its function's name, kind (a call or a Map's chunk)
// and encoded argument, as the root's pool would send them to a worker.
type RemoteTask struct {
	Name     string
	Kind     byte
	Payload  []byte
	Sig      string    // the function's argument and result types, as FuncSig gives them
	Deadline time.Time // zero for none
	// Start marks the task as started; false means it was cancelled (its
	// Map failed) and is not to be sent.
	Start func() bool
	// Finish delivers the encoded result, or an error; call it once.
	Finish func(result []byte, err error)
}

// RemoteBackend runs RemoteTasks elsewhere: mproc/cluster's pool.
type RemoteBackend interface {
	Execute(t *RemoteTask)
	// CancelRunning cancels tasks that Execute took, on whatever runs them.
	CancelRunning(ts []*RemoteTask)
	CancelPending() int
	Workers() int
	// Shutdown stops taking tasks and waits for those taken.
	Shutdown(ctx context.Context) error
}

// Cluster holds the root's hooks for mproc/cluster, set by the root.
var Cluster struct {
	// NewExecutor makes an mproc.Executor (returned as any) whose tasks b
	// runs: Func's Submit, Apply, Map and Imap work on it unchanged.
	NewExecutor func(b RemoteBackend) any
	// Run gives a task that came from elsewhere to pool, a local
	// *mproc.Pool, and returns how to wait for its encoded result and how to
	// cancel it while it runs.
	Run func(pool any, name string, kind byte, payload []byte, deadline time.Time) (wait func(context.Context) ([]byte, error), cancel func())
	// FuncSig is the argument and result types of the function registered
	// under name; false when none is.
	FuncSig func(name string) (string, bool)
	// Registry is "name sig" for every registered function, sorted: what a
	// program can run, for its default version.
	Registry func() []string
	// EncodeFailure turns a task's error into bytes for DecodeFailure on
	// another machine; a *RemoteError keeps its message, type, stack and
	// sentinels.
	EncodeFailure func(err error) []byte
	// DecodeFailure rebuilds the error as a *mproc.RemoteError of the named
	// process; bytes that do not decode give an error matching ErrCorrupt.
	DecodeFailure func(b []byte, name string, pid int) error
}
