package mproc

import (
	"fmt"
	"math/bits"
	"time"
)

// Percentiles summarises durations: how many, their mean, and the 50th,
// 90th and 99th percentiles and the largest. The percentiles come from a
// histogram with four buckets per power of two, so they are within 12.5% of
// the true figure; Count, Mean and Max are exact.
type Percentiles struct {
	Count         int
	Mean          time.Duration
	P50, P90, P99 time.Duration
	Max           time.Duration
}

// text is p on one line, for Insights.String.
func (p Percentiles) text() string {
	if p.Count == 0 {
		return "none"
	}
	return fmt.Sprintf("p50 %v  p90 %v  p99 %v  max %v  mean %v  (n=%d)",
		roundDur(p.P50), roundDur(p.P90), roundDur(p.P99), roundDur(p.Max), roundDur(p.Mean), p.Count)
}

// roundDur keeps three significant figures: 1.234567ms → 1.23ms.
func roundDur(d time.Duration) time.Duration {
	p := time.Duration(1)
	for p <= d/10 {
		p *= 10
	}
	if p < 100 {
		return d
	}
	return d.Round(p / 100)
}

// durHist counts durations in log-linear buckets: recording one is a few
// instructions and no allocation, so the pool does it for every task under
// its lock.
type durHist struct {
	counts [histBuckets]uint64
	n      int
	sum    time.Duration
	max    time.Duration
}

// Durations below histLinear nanoseconds get a bucket each; above, each
// power of two is cut in four.
const (
	histLinear  = 8
	histBuckets = histLinear + (63-3)*4 // up to the longest Duration, 2^63-1 ns
)

func histBucket(d time.Duration) int {
	ns := uint64(max(d, 0))
	if ns < histLinear {
		return int(ns)
	}
	e := bits.Len64(ns) - 1 // ≥ 3
	top := int(ns>>(e-2)) & 3
	return histLinear + (e-3)*4 + top
}

// histMid is the middle of bucket b.
func histMid(b int) time.Duration {
	if b < histLinear {
		return time.Duration(b)
	}
	e := (b-histLinear)/4 + 3
	m := uint64((b-histLinear)%4 + 4)
	lo, hi := m<<(e-2), (m+1)<<(e-2)
	return time.Duration(lo + (hi-lo)/2)
}

func (h *durHist) add(d time.Duration) {
	h.counts[histBucket(d)]++
	h.n++
	h.sum += d
	h.max = max(h.max, d)
}

// quantile is the duration q of the way through the recorded ones.
func (h *durHist) quantile(q float64) time.Duration {
	rank := uint64(q*float64(h.n) + 0.999999)
	rank = max(rank, 1)
	var seen uint64
	for b, c := range h.counts {
		if seen += c; seen >= rank {
			return min(histMid(b), h.max)
		}
	}
	return h.max
}

func (h *durHist) summary() Percentiles {
	if h.n == 0 {
		return Percentiles{}
	}
	return Percentiles{
		Count: h.n,
		Mean:  h.sum / time.Duration(h.n),
		P50:   h.quantile(0.50),
		P90:   h.quantile(0.90),
		P99:   h.quantile(0.99),
		Max:   h.max,
	}
}
