// Package load drives an upper-casing echo server, the seeds' TCP server, and
// measures it: requests per second, latency percentiles, errors, and the
// connections that never got an answer.
//
// Each of Conns clients is a goroutine that writes Size bytes and reads the
// reply, checking it byte for byte against the upper-cased request, until
// the run's Duration is up. With churn, a client dials a new connection for
// every request (the cost of accept and connection setup); without it, a
// client keeps one connection open.
//
// Latencies go into an HDR histogram (github.com/HdrHistogram/hdrhistogram-go,
// three significant digits), so percentiles cost the same memory whatever
// the request count.
package load
