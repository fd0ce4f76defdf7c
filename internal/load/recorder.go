package load

import (
	"sync"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// The histogram's range: 1 ns to a minute (longer latencies are recorded as
// a minute), three significant digits.
const (
	lowestLatency  = 1
	highestLatency = int64(time.Minute)
	sigFigs        = 3
)

// recorder is the run's latency histogram. Clients record into a batch of
// their own and take the lock once per batch, so a thousand clients don't
// queue on it for every request, nor hold a histogram each.
type recorder struct {
	mu sync.Mutex
	h  *hdrhistogram.Histogram
}

func newRecorder() *recorder {
	return &recorder{h: hdrhistogram.New(lowestLatency, highestLatency, sigFigs)}
}

const batchSize = 256

// batch is one client's unflushed latencies.
type batch struct {
	r    *recorder
	vals []int64
}

func (r *recorder) batch() *batch { return &batch{r: r, vals: make([]int64, 0, batchSize)} }

func (b *batch) record(d time.Duration) {
	b.vals = append(b.vals, min(max(int64(d), lowestLatency), highestLatency))
	if len(b.vals) == batchSize {
		b.flush()
	}
}

func (b *batch) flush() {
	b.r.mu.Lock()
	defer b.r.mu.Unlock()
	for _, v := range b.vals {
		// In range by construction, so RecordValue cannot fail.
		_ = b.r.h.RecordValue(v)
	}
	b.vals = b.vals[:0]
}

// percentiles returns p50, p99 and the maximum.
func (r *recorder) percentiles() (p50, p99, maxLat time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.h.TotalCount() == 0 {
		return 0, 0, 0
	}
	return time.Duration(r.h.ValueAtPercentile(50)), time.Duration(r.h.ValueAtPercentile(99)), time.Duration(r.h.Max())
}
