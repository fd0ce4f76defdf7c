package bench

import (
	"context"
	"fmt"
	"time"

	"mproc"
)

// largeItem is the size of queue_large's items: 1 MiB.
const largeItem = 1 << 20

// largeQueueBuffer is the shared memory queue_large's queue moves items
// through: 8 MiB, twice the default. A frame is at most half the ring, so
// with either a 1 MiB item crosses as one frame, copied once in and once
// out; 8 MiB holds 7 items in flight where 4 MiB holds 3, so a producer or
// consumer that loses its core for a moment (two cores, shared with the
// other side and the Go runtime) stalls the other less. Measured on 2
// cores: 8 MiB as fast as 4 MiB or up to 10% faster, with fewer slow runs;
// 16 MiB no better; 64 MiB 2-3x slower (first-lap page faults and cache
// misses over the bigger ring); 1-2 MiB 2x slower (each item cut into
// chunks). CPython's Queue(maxsize=64) has no such knob: its feeder thread
// writes pickles through a pipe.
const largeQueueBuffer = 8 << 20

// bytesArgs is what the bytes producer gets: the queue and how many items
// to put.
type bytesArgs struct {
	Q *mproc.Queue[[]byte]
	N int
}

// bytesProducer is python_ref.py's _producer_bytes: put the same 1 MiB of
// b"x" n times, then the sentinel. The sentinel is an empty slice (Python's
// None): a Queue[[]byte] carries raw bytes, and no item is empty.
var bytesProducer = mproc.Register[bytesArgs, mproc.None]("bench.qproducer_bytes", func(ctx context.Context, a bytesArgs) error {
	ctx, cancel := context.WithTimeout(ctx, ipcTimeout)
	defer cancel()
	b := make([]byte, largeItem)
	for i := range b {
		b[i] = 'x'
	}
	for range a.N {
		if err := a.Q.Put(ctx, b); err != nil {
			return err
		}
	}
	return a.Q.Put(ctx, nil)
})

func init() {
	Register(Group{
		Name:    "queue_large",
		Metrics: []Metric{{Name: "queue_spsc_1MiB_msgs", Unit: "MB/s", Python: "queue_spsc_1MiB_msgs"}},
		Run:     runQueueLarge,
	})
}

// runQueueLarge mirrors python_ref.py's queue_large: a child puts
// n_(2_000) items of 1 MiB and a sentinel on a Queue(maxsize=64), and the
// parent gets until the sentinel. The time runs from starting the child to
// getting the sentinel; the rate is in MB/s (10^6 bytes).
func runQueueLarge(ctx context.Context, scale float64) ([]Result, error) {
	n := N(2_000, scale)
	ctx, cancel := context.WithTimeout(ctx, ipcTimeout)
	defer cancel()
	q, err := mproc.NewQueue[[]byte](64, mproc.WithQueueBuffer(largeQueueBuffer))
	if err != nil {
		return nil, err
	}
	defer q.Close()
	p := bytesProducer.Process(bytesArgs{Q: q, N: n})

	start := time.Now()
	if err := p.Start(ctx); err != nil {
		return nil, err
	}
	defer reap(p.Process)
	got := 0
	for {
		b, err := q.Get(ctx)
		if err != nil {
			return nil, err
		}
		if len(b) == 0 {
			break
		}
		if len(b) != largeItem {
			return nil, fmt.Errorf("item %d has %d bytes, want %d", got, len(b), largeItem)
		}
		got++
	}
	dt := time.Since(start)
	if _, err := p.Wait(ctx); err != nil {
		return nil, err
	}

	if got != n {
		return nil, fmt.Errorf("got %d items before the sentinel, want %d", got, n)
	}
	return []Result{{
		Name:  "queue_spsc_1MiB_msgs",
		Unit:  "MB/s",
		Value: float64(n) * largeItem / dt.Seconds() / 1e6,
		N:     n,
	}}, nil
}
