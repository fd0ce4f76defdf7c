//go:build race

package spawn

// The race runtime sleeps a second at exit by default (atexit_sleep_ms),
// which would make every child of a race-enabled binary take a second.
const raceExitOption = "atexit_sleep_ms=0"
