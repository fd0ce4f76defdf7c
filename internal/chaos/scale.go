package chaos

// Scale sizes the cases that have a size: the start/join cycles.
type Scale struct {
	Cycles int // start/join cycles in one trial
	Burst  int // how many of them run at once
}

var (
	// Full is the scale mproc chaos runs at.
	Full = Scale{Cycles: 1000, Burst: 200}
	// Small keeps a test run short on a loaded 2-core machine.
	Small = Scale{Cycles: 100, Burst: 50}
)
