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

	"mproc"
	"mproc/internal/testmain"
	"mproc/progress"
)

var square = mproc.Register[int, int]("test.progress.square", func(x int) int { return x * x })

func pool(t *testing.T, ctx context.Context) *mproc.Pool {
	t.Helper()
	testmain.NoChildLeft(t)
	p, err := mproc.NewPool(ctx, mproc.WithWorkers(2))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		p.Terminate()
		if err := p.Join(context.Background()); err != nil {
			t.Error(err)
		}
	})
	return p
}

func TestMapDrawsABar(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	p := pool(t, ctx)
	var out bytes.Buffer
	xs := make([]int, 200)
	for i := range xs {
		xs[i] = i
	}
	rs, err := square.Map(ctx, p, xs, mproc.WithChunk(10), progress.Map(progress.WithWriter(&out), progress.WithAlways(), progress.WithDescription("squares")))
	if err != nil {
		t.Fatal(err)
	}
	if rs[199] != 199*199 {
		t.Errorf("rs[199] = %d", rs[199])
	}
	if s := out.String(); !strings.Contains(s, "squares") || !strings.Contains(s, "200/200") || !strings.HasSuffix(s, "\n") {
		t.Errorf("bar output %q: want the description, 200/200 and a last newline", s)
	}
}

func TestQuietWhenNotATerminal(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	p := pool(t, ctx)
	f, err := os.CreateTemp(t.TempDir(), "log")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var buf bytes.Buffer
	if _, err := square.Map(ctx, p, []int{1, 2, 3}, progress.Map(progress.WithWriter(f))); err != nil {
		t.Fatal(err)
	}
	var got []int
	for r, err := range progress.Seq2(square.Imap(ctx, p, slices.Values([]int{1, 2, 3})), 3, progress.WithWriter(&buf)) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, r)
	}
	if !slices.Equal(got, []int{1, 4, 9}) {
		t.Errorf("Seq2 yielded %v", got)
	}
	if st, _ := f.Stat(); st.Size() != 0 || buf.Len() != 0 {
		t.Errorf("a bar drawn on a file (%d bytes) or a buffer (%q)", st.Size(), buf.String())
	}
	b := progress.New(3, progress.WithWriter(&buf))
	if b.Visible() {
		t.Error("a bar on a buffer is visible")
	}
	fmt.Fprint(b.Writer(), "note\n")
	if buf.String() != "note\n" {
		t.Errorf("a quiet bar's Writer wrote %q", buf.String())
	}
	var nilBar *progress.Bar
	nilBar.Set(1)
	nilBar.Finish()
	fmt.Fprint(nilBar.Writer(), "dropped")
}

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
