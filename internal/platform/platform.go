// Package platform builds the error of what mproc can't do on a system:
// child processes and the objects they share need Unix (Linux, macOS,
// FreeBSD). The Windows stubs of the root and of the internal mechanisms
// all return it, so that every refusal names what does run there; it is
// built on every system, so that Linux tests check its words.
package platform

import (
	"errors"
	"fmt"
	"runtime"
)

// Unsupported returns the error of a feature that needs Unix, for the
// system this binary is built for. It matches errors.ErrUnsupported, and
// says what runs there instead: the goroutine executor, and the cluster
// client submitting to workers on Unix machines.
func Unsupported(feature string) error {
	goos := runtime.GOOS
	if goos == "windows" {
		goos = "Windows"
	}
	return unsupportedOn(feature, goos)
}

func unsupportedOn(feature, goos string) error {
	return fmt.Errorf("mproc: %s: not on %s, only on Unix systems (Linux, macOS, FreeBSD); here, run tasks on goroutines with the goroutine executor (mproc.NewGoExecutor) or submit them to workers on Unix machines with the cluster client (package mproc/cluster): %w",
		feature, goos, errors.ErrUnsupported)
}
