package natsproc

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The test binary plays other roles in child processes, picked by roleEnv.
const roleEnv = "NATSPROC_TEST_ROLE"

func TestMain(m *testing.M) {
	switch os.Getenv(roleEnv) {
	case "":
		os.Exit(runTests(m))
	case "parent":
		os.Exit(parentRole())
	case "start":
		os.Exit(startRole())
	case "stubborn":
		stubbornRole()
	default:
		fmt.Fprintf(os.Stderr, "unknown %s %q\n", roleEnv, os.Getenv(roleEnv))
		os.Exit(2)
	}
}

// fakes are fake servers, shell scripts by name. They are written before
// the tests run: an executable written while another goroutine forks may
// be held open by the forked child, and exec then fails with "text file
// busy" (golang.org/issue/22315).
var fakes = map[string]string{}

func runTests(m *testing.M) int {
	dir, err := os.MkdirTemp("", "natsproc-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	self, err := os.Executable()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	for name, body := range map[string]string{
		// $3 is the store dir: Start's arguments begin --jetstream --store_dir DIR.
		"exits-early": `echo "[1] [FTL] it went wrong: $*" >&2; exit 3`,
		"never-ready": `echo $$ > "$3/pid"; echo "[1] [INF] Starting nats-server" >&2; exec sleep 30`,
		"stubborn":    `exec env ` + roleEnv + `=stubborn "` + self + `" -test.run='^$'`,
	} {
		fakes[name] = filepath.Join(dir, name)
		if err := os.WriteFile(fakes[name], []byte("#!/bin/sh\n"+body+"\n"), 0o755); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
	}
	return m.Run()
}

// parentRole starts a server (the binary in NATSPROC_TEST_BIN), prints
// "pid url", and keeps it until its stdin ends: the test kills it first.
func parentRole() int {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s, err := Start(ctx, "127.0.0.1", -1, os.Getenv("NATSPROC_TEST_DIR"), WithBinary(os.Getenv("NATSPROC_TEST_BIN")))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Printf("%d %s\n", s.Pid(), s.URL())
	io.Copy(io.Discard, os.Stdin)
	if err := s.Stop(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// startRole calls Start with this process's environment as it is and
// prints the error.
func startRole() int {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s, err := Start(ctx, "127.0.0.1", -1, os.TempDir())
	if err == nil {
		s.Stop()
		fmt.Println("started")
		return 0
	}
	fmt.Println(err)
	if errors.Is(err, ErrNotFound) {
		fmt.Println("errors.Is ErrNotFound")
	}
	return 0
}

// stubbornRole is a server that says it is ready and ignores SIGTERM.
func stubbornRole() {
	signal.Ignore(syscall.SIGTERM)
	fmt.Fprintf(os.Stderr, "[%d] [INF] %s127.0.0.1:1\n", os.Getpid(), listeningLine)
	fmt.Fprintf(os.Stderr, "[%d] [INF] %s\n", os.Getpid(), readyLine)
	time.Sleep(time.Minute) // idles until SIGKILL (bounded, should the test die first)
	os.Exit(0)
}

var server struct {
	once sync.Once
	path string
	err  error
}

// serverBinary is the nats-server the tests run, found once by Locate:
// `go test` runs inside the module with the go tool on PATH, so its step
// 3 finds one even on a fresh machine. Without one the test is skipped,
// except in CI.
func serverBinary(t *testing.T) string {
	t.Helper()
	server.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), buildBound)
		defer cancel()
		server.path, server.err = Locate(ctx)
	})
	if server.err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal(server.err)
		}
		t.Skip(server.err)
	}
	return server.path
}

// procStart is the start time of process pid (field 22 of its stat), or
// "" if there is no such process: with the pid, it names one process.
func procStart(pid int) string {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return ""
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:]) // the name may hold spaces
	if len(f) < 20 {
		return ""
	}
	return f[19]
}

// gone checks that the process pid started at start no longer exists.
func gone(t *testing.T, pid int, start string) {
	t.Helper()
	if start == "" {
		t.Fatalf("no start time for pid %d", pid)
	}
	if now := procStart(pid); now == start {
		t.Errorf("process %d is still there after Stop", pid)
	}
}
