package pyconn

import (
	"fmt"
	"reflect"

	"mproc/internal/wire"
)

// TypeError is a Python value that Unmarshal cannot put where it was asked
// to: a str into an int, a dict into a slice, a number out of range, a dict
// key Go cannot hash. It wraps wire.ErrUnencodable: the value cannot cross
// into that Go type.
type TypeError struct {
	Python string       // what the pickle holds, e.g. "str" or "int 300"
	Type   reflect.Type // the Go type it was to become
	Path   string       // where, e.g. "[2][key]"; empty at the top
	Reason string       // set when the type alone does not explain it
}

func (e *TypeError) Error() string {
	s := fmt.Sprintf("pyconn: cannot unpickle a Python %s into Go %v", e.Python, e.Type)
	if e.Path != "" {
		s += " at " + e.Path
	}
	if e.Reason != "" {
		s += ": " + e.Reason
	}
	return s
}

func (e *TypeError) Unwrap() error { return wire.ErrUnencodable }
