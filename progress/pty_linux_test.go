//go:build linux

package progress_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"mproc/progress"
)

// TestDrawsOnATerminal gives the bar a real pseudo-terminal and reads what
// reached it.
func TestDrawsOnATerminal(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	p := pool(t, ctx)
	ptm, pts := openPty(t)
	var got bytes.Buffer
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); io.Copy(&got, ptm) }() // until the terminal closes
	n := 0
	for _, err := range progress.Seq2(square.Imap(ctx, p, slices.Values([]int{1, 2, 3, 4, 5})), 5, progress.WithWriter(pts)) {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	b := progress.New(2, progress.WithWriter(pts), progress.WithDescription("groups"))
	if !b.Visible() {
		t.Fatal("a bar on a terminal is not visible")
	}
	fmt.Fprint(b.Writer(), "a note\n")
	b.Add(2)
	b.Finish()
	pts.Close()
	wg.Wait()
	ptm.Close()
	s := got.String()
	for _, want := range []string{"5/5", "a note", "groups", "2/2"} {
		if !strings.Contains(s, want) {
			t.Errorf("the terminal got %q: no %q", s, want)
		}
	}
	if n != 5 {
		t.Errorf("%d results", n)
	}
}

// openPty opens a pseudo-terminal: its master, and its slave, which is a
// terminal as isatty sees it.
func openPty(t *testing.T) (ptm, pts *os.File) {
	t.Helper()
	ptm, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals here: %v", err)
	}
	if err := unix.IoctlSetPointerInt(int(ptm.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Fatal(err)
	}
	n, err := unix.IoctlGetInt(int(ptm.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Fatal(err)
	}
	pts, err = os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		ptm.Close()
		t.Fatal(errors.Join(err, errors.New("opening the pty's slave")))
	}
	return ptm, pts
}
