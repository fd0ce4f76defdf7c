package chaos

import (
	"context"
	"time"
)

// Case is one kind of fault. Trial runs it once, with real processes and
// signals, and returns the duration the case bounds (how long the system
// took to recover) and an error when an invariant did not hold.
type Case struct {
	Name string
	Doc  string // what a trial asserts, one line
	// Timeout bounds one trial: a trial that has not ended by then counts
	// as a hang.
	Timeout time.Duration
	Trial   func(ctx context.Context, s Scale) (time.Duration, error)
}
