package demo

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Tests of the synchronization demos: each runs into a buffer (see run) and
// its key facts are checked in the output.

func TestSyncTourOrder(t *testing.T) {
	var names []string
	for _, d := range All() {
		names = append(names, d.Name)
	}
	want := []string{"zombie-orphan", "lock-print", "tickets", "counter", "rlock", "lock-survives"}
	i := strings.Index(strings.Join(names, " "), strings.Join(want, " "))
	if i < 0 {
		t.Errorf("tour order %v, want %v in a row", names, want)
	}
}

// submatches returns the first group of every match of re in out, as ints.
func submatches(t *testing.T, out, re string) []int {
	t.Helper()
	var ns []int
	for _, m := range regexp.MustCompile(re).FindAllStringSubmatch(out, -1) {
		n, err := strconv.Atoi(m[1])
		if err != nil {
			t.Fatalf("%q in %q: %v", m[1], m[0], err)
		}
		ns = append(ns, n)
	}
	return ns
}

func TestLockPrint(t *testing.T) {
	out := run(t, "lock-print")
	seqs := regexp.MustCompile(`Who wrote each line, in order: ([\d ]+)`).FindAllStringSubmatch(out, -1)
	if len(seqs) != 2 {
		t.Fatalf("want two line orders, got %v", seqs)
	}
	var blocks []int
	for _, s := range seqs {
		seq := strings.Fields(s[1])
		if len(seq) != lockPrintChildren*(lockPrintLines+2) {
			t.Errorf("%d lines in %q", len(seq), s[1])
		}
		n := 0
		for i := range seq {
			if i == 0 || seq[i] != seq[i-1] {
				n++
			}
		}
		blocks = append(blocks, n)
	}
	t.Logf("runs of lines without the lock: %d; with it: %d", blocks[0], blocks[1])
	if blocks[1] != lockPrintChildren {
		t.Errorf("with the lock: %d runs of lines, want %d blocks", blocks[1], lockPrintChildren)
	}
	if blocks[0] > lockPrintChildren {
		mustContain(t, out, "The lines interleaved")
	} else {
		mustContain(t, out, "happened not to interleave")
	}
	mustContain(t, out, "No interleaving: 3 blocks")
}

func TestTickets(t *testing.T) {
	out := run(t, "tickets")
	unlocked := submatches(t, out, `Sold without the lock: (\d+) tickets`)
	locked := submatches(t, out, `Sold with the lock: (\d+) tickets of 5; the file says 0 left`)
	if len(unlocked) != 1 || len(locked) != 1 {
		t.Fatalf("sold counts: without the lock %v, with it %v", unlocked, locked)
	}
	if locked[0] != ticketStock {
		t.Errorf("with the lock %d tickets were sold, want %d", locked[0], ticketStock)
	}
	// Every buyer reads the file after the sale opens and sleeps at least
	// 5 ms before writing, so the unlocked sale oversells.
	if unlocked[0] <= ticketStock {
		t.Errorf("without the lock only %d tickets were sold; the race did not show", unlocked[0])
	}
	if n := strings.Count(out, "抢票成功"); n != unlocked[0]+locked[0] {
		t.Errorf("%d success lines, want %d", n, unlocked[0]+locked[0])
	}
	if n := strings.Count(out, "抢票失败"); n != ticketBuyers-locked[0]+ticketBuyers-unlocked[0] {
		t.Errorf("%d failure lines", n)
	}
	if n := strings.Count(out, "查看余票, 余票还剩: 5"); n != 2*ticketBuyers {
		t.Errorf("%d buyers searched and saw 5 left, want %d", n, 2*ticketBuyers)
	}
	mustContain(t, out, fmt.Sprintf("Sold: without the lock %d, with the lock 5", unlocked[0]))
}

func TestCounter(t *testing.T) {
	out := run(t, "counter")
	counts := submatches(t, out, `count = (-?\d+)`)
	if len(counts) != 3 {
		t.Fatalf("want three counts, got %v", counts)
	}
	if counts[0] != 0 || counts[2] != 0 {
		t.Errorf("with the lock count = %d, with Add(-1) count = %d; want 0 and 0", counts[0], counts[2])
	}
	// Without the lock, every process sleeps a millisecond between its read
	// and its write, after all have been let go together: updates are lost.
	if counts[1] <= 0 || counts[1] > counterProcs {
		t.Errorf("without the lock count = %d, want lost decrements (0 < count <= %d)", counts[1], counterProcs)
	}
}

func TestRLock(t *testing.T) {
	out := run(t, "rlock")
	// The seed's two processes share one RLock: never held together.
	mustContain(t, out, "  p1: 1\n", "  p2: 2\n", "never together", "the lock travels as an argument")
	lines := strings.Split(out, "\n")
	for _, p := range []string{"p1", "p2"} {
		if lineIndex(t, out, p+": 我又回来了!") > slices.Index(lines, "  "+p+": "+p[1:]) {
			t.Errorf("%s printed its arg before 我又回来了!", p)
		}
	}
	if lineIndex(t, out, "outer(): lock.release(): free") > lineIndex(t, out, "got the lock after waiting") {
		t.Errorf("the waiter got the RLock before the holder released it twice")
	}
	if lineIndex(t, out, "owns it; waiting") > lineIndex(t, out, "inner(): lock.release()") {
		t.Errorf("the waiter did not wait while the holder held the lock twice")
	}
	mustContain(t, out,
		"inner(): lock.acquire() again: re-entered, held twice",
		"TryLock: false, another process owns it",
		"lock.acquire(blocking=False): false",
		"lock.acquire(timeout=0.1): context deadline exceeded",
		"goroutine 2's TryLock: true",
		"goroutine 2's own2.TryLock(): false",
		"own1.TryLock() again: true",
		"own2.Unlock(), by an owner that does not hold it, panics: mproc: release of a lock that is not held")
	waited := regexp.MustCompile(`got the lock after waiting (\S+)`).FindStringSubmatch(out)
	if waited == nil {
		t.Fatal("no waiting time")
	}
	if d, err := time.ParseDuration(waited[1]); err != nil || d < 50*time.Millisecond {
		t.Errorf("the waiter waited %q (%v); the holder works 60 ms after it starts waiting", waited[1], err)
	}
}

func TestLockSurvives(t *testing.T) {
	out := run(t, "lock-survives")
	mustContain(t, out,
		"errors.Is(err, mproc.ErrOwnerDead) = true",
		"exitcode=-9",
		"found: A=70 B=0 pending=30, A+B=70",
		"rolled back: A=100 B=0 pending=0, A+B=100",
		"after: A=70 B=30 pending=0, A+B=100")
	m := regexp.MustCompile(`lock.LockContext\(ctx\) returned after (\S+):`).FindStringSubmatch(out)
	if m == nil {
		t.Fatal("no time to take the lock back")
	}
	took, err := time.ParseDuration(m[1])
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("the lock came back %v after the kill", took)
	if took > time.Second {
		t.Errorf("the lock came back %v after its holder was killed; want about 20 ms", took)
	}
}
