// Package testmain is the TestMain of mproc's test binaries that start
// children: the subreaper for the orphans tests make on purpose, the tests,
// then what a program's end does (mproc.Shutdown).
package testmain

import (
	"context"
	"errors"
	"fmt"
	"os"
	"testing"
	"time"

	"mproc"
)

// Run runs the tests with this process as the subreaper of what they
// orphan (PID 1 in a container may not reap them), then shuts mproc down,
// and exits. The caller calls mproc.Main first: in a child, that runs the
// child's work and never returns.
func Run(m *testing.M) {
	// Off Linux there is no subreaper (ErrUnsupported): the tests run
	// without one, as programs there do.
	if err := mproc.SetSubreaper(); err != nil && !errors.Is(err, errors.ErrUnsupported) {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	code := m.Run()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	if err := mproc.Shutdown(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "Shutdown:", err)
		code = 1
	}
	cancel() // os.Exit runs no deferred call
	os.Exit(code)
}
