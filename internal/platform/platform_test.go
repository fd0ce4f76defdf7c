package platform

import (
	"errors"
	"runtime"
	"strings"
	"testing"
)

func TestUnsupported(t *testing.T) {
	t.Parallel()
	err := Unsupported("child processes")
	if !errors.Is(err, errors.ErrUnsupported) {
		t.Fatalf("%v does not match errors.ErrUnsupported", err)
	}
	on := "not on " + runtime.GOOS
	if runtime.GOOS == "windows" {
		on = "not on Windows"
	}
	for _, want := range []string{"child processes", on, "mproc.NewGoExecutor", "mproc/cluster", "Unix"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%q does not say %q", err, want)
		}
	}
}

func TestUnsupportedOnWindows(t *testing.T) {
	t.Parallel()
	got := unsupportedOn("shared memory between processes", "Windows").Error()
	want := "mproc: shared memory between processes: not on Windows, only on Unix systems (Linux, macOS, FreeBSD); here, run tasks on goroutines with the goroutine executor (mproc.NewGoExecutor) or submit them to workers on Unix machines with the cluster client (package mproc/cluster): unsupported operation"
	if got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}
