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
// through. TODO(measure): see the comment in runQueueLarge.
const largeQueueBuffer = mproc.DefaultQueueBuffer

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
