package mproc_test

import (
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"mproc"
)

// openFDs counts this process's descriptors, leaving out those on /proc:
// the subreaper (TestMain) opens some there for a moment on every SIGCHLD.
func openFDs(t *testing.T) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range ents {
		if l, err := os.Readlink("/proc/self/fd/" + e.Name()); err == nil && !strings.HasPrefix(l, "/proc") {
			n++
		}
	}
	return n
}

// 1,000 start/join cycles leave no zombie and no descriptor behind.
func TestNoZombiesNoLeakedFDs(t *testing.T) {
	// Not parallel: it counts this process's descriptors. The bound is wide:
	// under -race on a loaded 2-core machine a cold start can take 100 ms.
	ctx := ctxTimeout(t, 240*time.Second)
	if _, err := noop.Call(ctx, mproc.None{}); err != nil { // warm up lazily opened fds
		t.Fatal(err)
	}
	before := openFDs(t)
	n := 1000
	if testing.Short() {
		n = 200
	}
	pids := make([]int, 0, n)
	for range n {
		p, err := noop.Start(ctx, mproc.None{})
		if err != nil {
			t.Fatal(err)
		}
		if err := p.Join(ctx); err != nil {
			t.Fatal(err)
		}
		pids = append(pids, p.Pid())
		p.Close()
	}
	// Fewer is fine: descriptors of earlier tests' children may close meanwhile.
	if after := openFDs(t); after > before {
		t.Fatalf("open descriptors: %d before, %d after %d cycles", before, after, n)
	}
	zombies := zombieChildren()
	for _, pid := range pids {
		if slices.Contains(zombies, pid) || running(pid) {
			t.Fatalf("child %d is still there", pid)
		}
	}
}

// Children nobody joins are reaped anyway.
func TestUnjoinedChildrenAreReaped(t *testing.T) {
	t.Parallel()
	ctx := ctxTimeout(t, 60*time.Second)
	var procs []*mproc.Proc[mproc.None]
	for range 30 {
		p, err := noop.Start(ctx, mproc.None{})
		if err != nil {
			t.Fatal(err)
		}
		procs = append(procs, p)
	}
	deadline := time.Now().Add(30 * time.Second)
	for _, p := range procs {
		for slices.Contains(mproc.ActiveChildren(), p.Process) {
			if time.Now().After(deadline) {
				t.Fatalf("%v never left ActiveChildren", p)
			}
			time.Sleep(5 * time.Millisecond)
		}
		if slices.Contains(zombieChildren(), p.Pid()) {
			t.Fatalf("%v is a zombie", p)
		}
	}
}

// A subreaper adopts the grandchild whose parent died, and reaps it.
func TestSubreaperAdoptsOrphans(t *testing.T) {
	t.Parallel()
	ctx := ctxTimeout(t, 30*time.Second)
	grandchild, err := orphanMaker.Call(ctx, mproc.None{})
	if err != nil {
		t.Fatal(err)
	}
	// The middle child has ended; its child now belongs to this process
	// (TestMain called SetSubreaper), until it ends and is reaped.
	deadline := time.Now().Add(20 * time.Second)
	adopted := false
	for {
		st, ppid, ok := procStat(grandchild)
		if !ok {
			break // ended and reaped
		}
		if ppid == os.Getpid() {
			adopted = true
		}
		if time.Now().After(deadline) {
			t.Fatalf("grandchild %d: state %c ppid %d, not reaped", grandchild, st, ppid)
		}
		time.Sleep(5 * time.Millisecond)
	}
	if !adopted {
		t.Log("the grandchild ended before it was seen adopted")
	}
}
