package mproc

import (
	"errors"
	"fmt"

	"mproc/internal/wire"
)

// Frame kinds on a child's control socket.
const (
	kindReady     byte = 1 // child → parent: mproc.Main is running
	kindBootstrap byte = 2 // parent → child: what to run
	kindAck       byte = 3 // child → parent: target found, argument decoded, running
	kindResult    byte = 4 // child → parent: the encoded result
	kindFailure   byte = 5 // child → parent: an error or panic (a failure message)
	kindTerminate byte = 6 // parent → child: cancel the target and end by SIGTERM
	kindResultFDs byte = 7 // child → parent: a result holding shared objects (a sharedResult)
)

// bootstrap tells a waiting child what to run and who it is.
type bootstrap struct {
	Func       string
	Arg        []byte
	Name       string
	Identity   []int
	AuthKey    []byte
	Daemon     bool
	ParentPid  int
	ParentName string
	GraceNanos int64
	Attach     attachDesc // what came beside this frame, as descriptors
	Stdio      bool       // the first two descriptors beside it are the new stdout and stderr
}

// sharedResult is a result that holds shared objects, whose descriptors
// come with the frame.
type sharedResult struct {
	Result []byte
	Attach attachDesc
}

// failure is an error or panic as it crosses from child to parent.
type failure struct {
	Message   string
	Type      string
	Stack     string
	Panicked  bool
	Sentinels []string
}

func newFailure(err error) failure {
	f := failure{Message: err.Error(), Type: fmt.Sprintf("%T", err), Sentinels: sentinelNames(err)}
	if p, ok := errors.AsType[*PanicError](err); ok {
		f.Message = fmt.Sprint(p.Value)
		f.Type = fmt.Sprintf("%T", p.Value)
		f.Stack = p.Stack
		f.Panicked = true
	}
	return f
}

func (f failure) remote(name string, pid int) *RemoteError {
	e := &RemoteError{Name: name, Pid: pid, Message: f.Message, Type: f.Type, Stack: f.Stack, Panicked: f.Panicked}
	for _, n := range f.Sentinels {
		if s, ok := sentinels[n]; ok {
			e.sentinels = append(e.sentinels, s)
		}
	}
	return e
}

func encodeMsg(v any) []byte {
	b, err := wire.CBOR.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("mproc: encoding %T: %v", v, err)) // our own plain structs always encode
	}
	return b
}

func decodeMsg(b []byte, v any) error {
	if err := wire.CBOR.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%w: %T: %v", wire.ErrCorrupt, v, err)
	}
	return nil
}
