package main

import (
	"time"

	"mproc/progress"
)

// elapsedBar draws the time elapsed of d on stderr, when stderr is a
// terminal, until the returned stop is called.
func elapsedBar(a *app, d time.Duration, what string) (stop func()) {
	bar := progress.New(int(d/time.Millisecond), progress.WithWriter(a.stderr), progress.WithDescription(what+" (ms)"))
	if !bar.Visible() || d <= 0 {
		return func() {}
	}
	done := make(chan struct{})
	ended := make(chan struct{})
	go func() {
		defer close(ended)
		start := time.Now()
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-done:
				bar.Finish()
				return
			case <-tick.C:
				bar.Set(int(min(time.Since(start), d) / time.Millisecond))
			}
		}
	}()
	return func() { close(done); <-ended }
}
