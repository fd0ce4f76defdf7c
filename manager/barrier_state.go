package manager

// BarrierState is what a Barrier reports.
type BarrierState struct {
	Parties, Waiting int
	Broken           bool
}
