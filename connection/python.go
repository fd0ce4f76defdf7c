package connection

import (
	"io"

	"mproc/internal/pyconn"
	"mproc/internal/rootlink"
)

// The root builds Python-mode ends with CPython's wire, given here so that
// the pickle codec is linked only into programs that import this package.
func init() {
	rootlink.Python.Framing = pyWire{}
	rootlink.Python.Codec = pyWire{}
}

type pyWire struct{}

func (pyWire) WriteMessage(w io.Writer, p []byte) error { return pyconn.WriteMessage(w, p) }

func (pyWire) ReadMessage(r io.Reader, max int) ([]byte, error) { return pyconn.ReadMessage(r, max) }

func (pyWire) Marshal(v any) ([]byte, error) { return pyconn.Marshal(v) }

func (pyWire) Unmarshal(b []byte, v any) error { return pyconn.Unmarshal(b, v) }
