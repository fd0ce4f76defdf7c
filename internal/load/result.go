package load

import "time"

// Result is what one run measured.
type Result struct {
	Addr  string
	Conns int // clients
	Size  int // bytes per request and per reply
	Churn bool

	Elapsed    time.Duration // from the start to the end of the run
	Requests   int64         // round trips whose reply matched
	Errors     int64         // failed dials, reads, writes and wrong replies
	FirstError error         // the first of them; nil when there were none
	// Answered counts the clients that got at least one matching reply
	// within the run; the others waited for the whole run (or failed).
	Answered int

	// Latency percentiles of the matching round trips, from the write of
	// the request to the last byte of the reply; zero without requests.
	P50, P99, Max time.Duration
}

// RequestsPerSecond is the rate of matching round trips over the run.
func (r Result) RequestsPerSecond() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Requests) / r.Elapsed.Seconds()
}

// Unanswered counts the clients that never got a matching reply.
func (r Result) Unanswered() int { return r.Conns - r.Answered }

// Rows lists the result as named figures, in the order a table shows them.
func (r Result) Rows() []Row {
	us := func(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1e3 }
	n := int(r.Requests)
	return []Row{
		{Name: "requests", Unit: "req/s", Value: r.RequestsPerSecond(), N: n},
		{Name: "latency_p50", Unit: "us/op", Value: us(r.P50), N: n},
		{Name: "latency_p99", Unit: "us/op", Value: us(r.P99), N: n},
		{Name: "latency_max", Unit: "us/op", Value: us(r.Max), N: n},
		{Name: "errors", Unit: "count", Value: float64(r.Errors), N: n},
		{Name: "unanswered", Unit: "conns", Value: float64(r.Unanswered()), N: r.Conns},
	}
}
