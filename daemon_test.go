package mproc_test

import (
	"errors"
	"syscall"
	"testing"
	"time"

	"mproc"
)

// A daemon child ends when its parent ends, however the parent ends.
func TestDaemonEndsWithParent(t *testing.T) {
	t.Parallel()
	for _, role := range []string{
		"daemon-return", "daemon-shutdown", "daemon-sigkill",
		"daemon-return+spares", "daemon-sigkill+spares",
	} {
		t.Run(role, func(t *testing.T) {
			t.Parallel()
			cmd, sc := startHelper(t, role)
			daemon := readPid(t, sc)
			if role == "daemon-sigkill" || role == "daemon-sigkill+spares" {
				if !running(daemon) {
					t.Fatal("daemon not running before its parent was killed")
				}
				cmd.Process.Signal(syscall.SIGKILL)
			}
			cmd.Wait()
			took := waitGone(t, daemon, time.Second)
			reap(daemon)
			t.Logf("daemon %d gone %v after its parent", daemon, took)
		})
	}
}

func TestDaemonMayNotHaveChildren(t *testing.T) {
	t.Parallel()
	ctx := ctxTimeout(t, 30*time.Second)
	_, err := startFromChild.Call(ctx, mproc.None{}, mproc.WithDaemon(true))
	if !errors.Is(err, mproc.ErrDaemonic) {
		t.Fatalf("a daemon starting a child got %v", err)
	}
	// A non-daemon may.
	if _, err := startFromChild.Call(ctx, mproc.None{}); err != nil {
		t.Fatal(err)
	}
}

func TestShutdownTerminatesDaemonsAndJoinsOthers(t *testing.T) {
	// Not parallel: Shutdown acts on every child of this process.
	ctx := ctxTimeout(t, 30*time.Second)
	d, err := blockUntilCancelled.Start(ctx, mproc.None{}, mproc.WithDaemon(true))
	if err != nil {
		t.Fatal(err)
	}
	n, err := sleepFor.Start(ctx, 50*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	if err := mproc.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if code, ok := d.ExitCode(); !ok || code != -15 {
		t.Fatalf("daemon after Shutdown: %d, %v", code, ok)
	}
	if code, ok := n.ExitCode(); !ok || code != 0 {
		t.Fatalf("non-daemon after Shutdown: %d, %v", code, ok)
	}
	if len(mproc.ActiveChildren()) != 0 {
		t.Fatalf("children left: %v", mproc.ActiveChildren())
	}
}
