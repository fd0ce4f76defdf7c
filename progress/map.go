package progress

import (
	"iter"
	"sync"

	"mproc"
)

// Map returns a MapOption that draws Map's progress (mproc.WithProgress)
// as a bar, made when the first results come in and finished with the
// last.
func Map(opts ...Option) mproc.MapOption {
	var once sync.Once
	var bar *Bar
	return mproc.WithProgress(func(done, total int) {
		once.Do(func() { bar = New(total, opts...) })
		bar.Set(done)
		if done == total {
			bar.Finish()
		}
	})
}

// Seq2 yields what seq yields (an Imap's results, say) and draws a bar of
// the items yielded out of total (below 1: unknown). The bar is finished
// when the iteration ends, however it ends.
func Seq2[R any](seq iter.Seq2[R, error], total int, opts ...Option) iter.Seq2[R, error] {
	return func(yield func(R, error) bool) {
		bar := New(total, opts...)
		defer bar.Finish()
		for r, err := range seq {
			bar.Add(1)
			if !yield(r, err) {
				return
			}
		}
	}
}
