package bench

// limitRef is the limit a metric is held against: a limit_ row, times
// Scale in the limit's own unit (queue_large's items are copied twice, so
// its limit is half of memcpy's bandwidth).
type limitRef struct {
	Probe string
	Scale float64
}

// limitOf maps each metric to the limit that bounds it. Round trips are
// held against the spinning ping-pong, not the futex one: mproc's waiters
// spin before they sleep, and beat a futex round trip when the peer runs. A rate held
// against a round trip's time takes one round trip per operation as its
// limit (10^6 / µs per op).
var limitOf = map[string]limitRef{
	"process_start_join_cold":          {"limit_exec_wait", 1},
	"process_start_join_net_static":    {"limit_exec_wait", 1},
	"process_start_join_net_dynamic":   {"limit_exec_wait", 1},
	"exec_wait_net_static":             {"limit_exec_wait", 1},
	"exec_wait_net_dynamic":            {"limit_exec_wait", 1},
	"child_rss":                        {"limit_child_rss", 1},
	"child_rss_net_static":             {"limit_child_rss", 1},
	"child_rss_net_dynamic":            {"limit_child_rss", 1},
	"queue_spsc_small_msgs":            {"limit_ring_8b", 1},
	"queue_mpmc_2x2_small_msgs":        {"limit_ring_8b", 1},
	"queue_spsc_1MiB_msgs":             {"limit_memcpy", 0.5},
	"pipe_roundtrip_latency":           {"limit_spin_pingpong", 1},
	"event_pingpong_roundtrip":         {"limit_spin_pingpong", 1},
	"pool_apply_roundtrip_latency":     {"limit_spin_pingpong", 1},
	"manager_dict_set_get_2proc":       {"limit_spin_pingpong", 1},
	"pool_map_tiny_tasks":              {"limit_ring_8b", 1},
	"pool_apply_async_tasks":           {"limit_ring_8b", 1},
	"joinable_queue_put_taskdone_join": {"limit_ring_8b", 1},
}

// holdAgainst sets r's Limit and LimitFraction when the limit it is held
// against was measured (limits holds the limit_ rows by name).
func holdAgainst(r Result, limits map[string]Result) Result {
	ref, ok := limitOf[r.Name]
	if !ok {
		return r
	}
	l, ok := limits[ref.Probe]
	if !ok || !(l.Value > 0) || !(r.Value > 0) {
		return r
	}
	rHigher, ok1 := HigherIsBetter(r.Unit)
	lHigher, ok2 := HigherIsBetter(l.Unit)
	if !ok1 || !ok2 {
		return r
	}
	limit := l.Value * ref.Scale
	if rHigher && !lHigher { // a rate against a time per op in µs
		limit = 1e6 / limit
	}
	if rHigher != lHigher && !rHigher { // a time against a rate: not in the table
		return r
	}
	r.Limit = ref.Probe
	if rHigher {
		r.LimitFraction = r.Value / limit
	} else {
		r.LimitFraction = limit / r.Value
	}
	return r
}
