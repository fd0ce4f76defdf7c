package mproc_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"mproc"
	"mproc/internal/spawn"
	"mproc/internal/testmain"
)

// helperEnv selects a helper role for the test binary run with os/exec: a
// parent program whose own children the test then inspects.
const helperEnv = "MPROC_TEST_HELPER"

func TestMain(m *testing.M) {
	mproc.Main()
	if role := os.Getenv(helperEnv); role != "" {
		os.Unsetenv(helperEnv)
		runHelper(role)
		return
	}
	testmain.Run(m) // the subreaper, the tests, mproc.Shutdown
}

// runHelper is the main of a helper parent. It prints "PID <n>" lines for
// the test to read and then does what its role says.
func runHelper(role string) {
	ctx := context.Background()
	kind, spares, _ := strings.Cut(role, "+")
	if spares == "spares" {
		mproc.WarmSpares(1)
		waitSpare(ctx)
	}
	switch kind {
	case "daemon-return", "daemon-shutdown", "daemon-sigkill":
		p, err := blockUntilCancelled.Start(ctx, mproc.None{}, mproc.WithDaemon(true))
		if err != nil {
			fmt.Println("ERR", err)
			os.Exit(1)
		}
		fmt.Println("PID", p.Pid())
		switch kind {
		case "daemon-shutdown":
			mproc.Shutdown(ctx)
		case "daemon-sigkill":
			select {} // the test kills this process
		}
	case "shm-create-block", "shm-create-exit":
		m, err := mproc.NewSharedMemory("", 4096)
		if err != nil {
			fmt.Println("ERR", err)
			os.Exit(1)
		}
		copy(m.Bytes(), "left behind")
		fmt.Println("NAME", m.Name())
		if kind == "shm-create-block" {
			select {} // the test kills this process
		}
	case "shm-read":
		m, err := mproc.AttachSharedMemory(os.Getenv("MPROC_TEST_SHM"))
		if err != nil {
			fmt.Println("ERR", err)
			os.Exit(1)
		}
		fmt.Printf("READ %s\n", strings.TrimRight(string(m.Bytes()[:32]), "\x00"))
	case "fail-stderr":
		_, err := failWith.Call(ctx, "the child's own words")
		fmt.Println("ERR", err)
	}
}

// waitSpare starts and waits for one throwaway child so that a spare has had
// time to come up behind it.
func waitSpare(ctx context.Context) {
	if _, err := echoInt.Call(ctx, 0); err != nil {
		panic(err)
	}
}

// startHelper runs this test binary as a helper parent with the given role
// and returns it with its stdout lines.
func startHelper(t *testing.T, role string) (*exec.Cmd, *bufio.Scanner) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"="+role)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd, bufio.NewScanner(out)
}

// readField reads the helper's first line starting with key and a space.
func readField(t *testing.T, sc *bufio.Scanner, key string) string {
	t.Helper()
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), key+" "); ok {
			return rest
		}
		t.Logf("helper: %s", sc.Text())
	}
	t.Fatalf("helper printed no %s line", key)
	return ""
}

// readPid reads the "PID <n>" line a helper prints.
func readPid(t *testing.T, sc *bufio.Scanner) int {
	t.Helper()
	for sc.Scan() {
		line := sc.Text()
		if rest, ok := strings.CutPrefix(line, "PID "); ok {
			pid, err := strconv.Atoi(rest)
			if err != nil {
				t.Fatal(err)
			}
			return pid
		}
		t.Logf("helper: %s", line)
	}
	t.Fatal("helper printed no PID line")
	return 0
}

// running reports whether pid is a live process (a zombie is not).
func running(pid int) bool {
	st, _, ok := spawn.ProcStat(pid)
	return ok && st != 'Z'
}

// waitGone polls until pid no longer runs, failing after d.
func waitGone(t *testing.T, pid int, d time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	for running(pid) {
		if time.Since(start) > d {
			t.Fatalf("pid %d still running after %v", pid, d)
		}
		time.Sleep(5 * time.Millisecond)
	}
	return time.Since(start)
}

// zombieChildren lists this process's children that are zombies.
func zombieChildren() []int { return spawn.ZombieChildren() }

func ctxTimeout(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// execHelper returns an unstarted command running this binary as a helper.
func execHelper(t *testing.T, role string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"="+role)
	return cmd
}

func fmtSscan(name string, n *int) (int, error) {
	return fmt.Sscanf(name, "Process-%d", n)
}

func procStat(pid int) (state byte, ppid int, ok bool) { return spawn.ProcStat(pid) }

func spawnChildren() []int { return spawn.Children() }
