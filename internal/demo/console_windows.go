package demo

import (
	"io"

	"mproc/internal/platform"
)

// errNoDemos: every demo runs child processes, and their console is a
// named pipe (a FIFO) with flock gates.
var errNoDemos = platform.Unsupported("the demos (child processes sharing a console)")

func openConsole(io.Writer) (*console, error) { return nil, errNoDemos }

func (*console) newGate(string) (*gate, error) { return nil, errNoDemos }

func waitGate(string) error { return errNoDemos }
