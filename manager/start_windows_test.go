package manager_test

import (
	"errors"
	"testing"
	"time"

	"mproc/manager"
)

// TestWindowsStartUnsupported: a manager's server is a child process,
// which Windows can't start (.ci/wine-test runs this under Wine).
func TestWindowsStartUnsupported(t *testing.T) {
	t.Parallel()
	m, err := manager.Start(ctxTimeout(t, 10*time.Second))
	if err == nil {
		m.Shutdown(ctxTimeout(t, 10*time.Second))
	}
	if !errors.Is(err, errors.ErrUnsupported) {
		t.Fatalf("Start: %v; want errors.ErrUnsupported", err)
	}
	t.Logf("Start: %v", err)
}
