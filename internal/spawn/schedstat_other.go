//go:build !linux

package spawn

import "time"

// runDelay is 0 where the kernel does not say how long threads waited for
// a CPU: a start deadline then counts wall time.
func runDelay() time.Duration { return 0 }
