package chaos

import (
	"time"
)

// Options says how often Run repeats each case.
type Options struct {
	Runs     int           // at least this many runs of each case (default 1)
	Duration time.Duration // and more, until each case has run this long
	Scale    Scale         // zero: Full
	// Progress, if set, is called after every run.
	Progress func(c Case, run int, took time.Duration, err error)
}
