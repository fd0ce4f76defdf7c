package progress_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

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
