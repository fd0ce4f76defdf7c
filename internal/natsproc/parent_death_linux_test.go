package natsproc

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"golang.org/x/sys/unix"
)

// TestServerDiesWithParent starts a server from a child process, SIGKILLs
// that child, and waits (on a pidfd) for the server to end by itself. This
// process is made a subreaper, so the orphaned server becomes its child,
// and it reaps it to see how it ended: by the SIGTERM its parent's death
// sent, which it handles by shutting down cleanly.
func TestServerDiesWithParent(t *testing.T) {
	t.Parallel()
	bin := serverBinary(t)
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	parent := exec.CommandContext(ctx, self, "-test.run=^$")
	parent.Env = append(os.Environ(), roleEnv+"=parent", "NATSPROC_TEST_BIN="+bin, "NATSPROC_TEST_DIR="+t.TempDir())
	parent.Stderr = os.Stderr
	stdin, err := parent.StdinPipe() // held open: the parent keeps its server until killed
	if err != nil {
		t.Fatal(err)
	}
	defer stdin.Close()
	stdout, err := parent.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := parent.Start(); err != nil {
		t.Fatal(err)
	}
	defer parent.Wait()
	defer parent.Process.Kill()
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("the parent said %q: %v", line, err)
	}
	var pid int
	var url string
	if f := strings.Fields(line); len(f) == 2 {
		url = f[1]
		pid = atoi(f[0])
	}
	if pid <= 0 || !strings.HasPrefix(url, "nats://") {
		t.Fatalf("the parent said %q", line)
	}
	pidfd, err := unix.PidfdOpen(pid, 0) // taken while the parent lives: it names the server
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(pidfd)
	defer unix.PidfdSendSignal(pidfd, unix.SIGKILL, nil, 0) // should the test fail
	nc, err := nats.Connect(url)
	if err != nil {
		t.Fatalf("the server is not serving: %v", err)
	}
	if err := nc.Flush(); err != nil {
		t.Fatal(err)
	}
	nc.Close()

	if err := parent.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	parent.Wait()
	fds := []unix.PollFd{{Fd: int32(pidfd), Events: unix.POLLIN}}
	for {
		n, err := unix.Poll(fds, 20_000)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			t.Fatalf("the server (pid %d) outlived its SIGKILLed parent by 20 s", pid)
		}
		break
	}
	var ws unix.WaitStatus
	if got, err := unix.Wait4(pid, &ws, unix.WNOHANG, nil); got != pid || err != nil {
		t.Fatalf("reaping the orphaned server %d: %d, %v", pid, got, err)
	}
	if !ws.Exited() || ws.ExitStatus() != 0 {
		t.Errorf("the server ended with %#x, want a clean exit after SIGTERM", ws)
	}
}

func atoi(s string) int {
	n := 0
	for _, c := range s {
		if c < '0' || c > '9' {
			return -1
		}
		n = n*10 + int(c-'0')
	}
	return n
}
