package progress

import (
	"io"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
)

// Bar is a progress bar of a count of things done out of a total; a total
// below 1 means unknown (a spinner). Its methods may be called from several
// goroutines. When the writer is not a terminal (see WithAlways) it draws
// nothing, and its methods cost next to nothing. The zero Bar (and a nil
// one) is quiet too.
type Bar struct {
	mu    sync.Mutex
	bar   *progressbar.ProgressBar // nil: quiet
	w     io.Writer
	total int
	n     int       // done, as last told
	drawn time.Time // when the bar was last drawn
}

// redraw is how often the bar is drawn at most: a Map of tiny tasks calls
// Set thousands of times a second.
const redraw = 100 * time.Millisecond

// New returns a bar of total things.
func New(total int, opts ...Option) *Bar {
	c := newConfig(opts)
	b := &Bar{w: c.w, total: total}
	if !c.visible() {
		return b
	}
	if total < 1 {
		total = -1
	}
	b.bar = progressbar.NewOptions(total,
		progressbar.OptionSetWriter(c.w),
		progressbar.OptionSetDescription(c.desc),
		progressbar.OptionShowCount(),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionSetWidth(30),
		progressbar.OptionOnCompletion(func() { io.WriteString(c.w, "\n") }),
	)
	b.bar.RenderBlank()
	return b
}

// Visible reports whether the bar draws anything.
func (b *Bar) Visible() bool { return b != nil && b.bar != nil }

// Set says that n things are done.
func (b *Bar) Set(n int) {
	if !b.Visible() {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.set(n)
}

// set draws n done now if the last drawing is old enough, or it is the
// end; else it only notes n. (The bar's own throttle would also skip the
// drawing after a note, which must come at once.)
func (b *Bar) set(n int) {
	b.n = n
	if now := time.Now(); now.Sub(b.drawn) >= redraw || b.total > 0 && n >= b.total {
		b.drawn = now
		b.bar.Set(n)
	}
}

// Add says that n more things are done.
func (b *Bar) Add(n int) {
	if !b.Visible() {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.set(b.n + n)
}

// Finish fills the bar and ends its line; call it once the work is done
// (or given up), so that what is printed next starts on a line of its own.
func (b *Bar) Finish() {
	if !b.Visible() {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.bar.IsFinished() {
		b.bar.Finish()
	}
}

// Writer returns a writer for notes printed while the bar is drawn: each
// Write clears the bar, writes to the bar's writer, and draws the bar again
// below. When the bar is quiet it is the bar's writer itself.
func (b *Bar) Writer() io.Writer {
	if !b.Visible() {
		if b == nil || b.w == nil {
			return io.Discard
		}
		return b.w
	}
	return noteWriter{b}
}

type noteWriter struct{ b *Bar }

func (n noteWriter) Write(p []byte) (int, error) {
	n.b.mu.Lock()
	defer n.b.mu.Unlock()
	if n.b.bar.IsFinished() {
		return n.b.w.Write(p)
	}
	n.b.bar.Clear()
	k, err := n.b.w.Write(p)
	n.b.drawn = time.Now()
	n.b.bar.Set(n.b.n) // draws it again, as it stands
	return k, err
}
