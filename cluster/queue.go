package cluster

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"mproc"
	"mproc/internal/wire"
)

// Queue is a FIFO queue shared by every process of the cluster: a
// JetStream work-queue stream. An item is delivered to one Get; a Get whose
// process dies before it returns loses nothing (the item is acknowledged
// only as Get returns it).
type Queue[T any] struct {
	c       *Conn
	subject string
	stream  jetstream.Stream
	cons    jetstream.Consumer
	coder   *wire.Coder[T]
}

// NewQueue opens the queue called name, making it if it is new.
func NewQueue[T any](ctx context.Context, c *Conn, name string) (*Queue[T], error) {
	if err := checkName("queue", name); err != nil {
		return nil, err
	}
	q := &Queue[T]{c: c, subject: "mproc.queue." + name, coder: wire.NewCoder[T](nil)}
	var err error
	q.stream, err = c.js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name: "MPROC_QUEUE_" + name, Subjects: []string{q.subject},
		Retention: jetstream.WorkQueuePolicy, Storage: jetstream.FileStorage,
	})
	if err != nil {
		return nil, fmt.Errorf("cluster: queue %q: %w", name, err)
	}
	q.cons, err = q.stream.CreateOrUpdateConsumer(ctx, jetstream.ConsumerConfig{
		Durable: "getters", AckPolicy: jetstream.AckExplicitPolicy, MaxAckPending: -1,
	})
	if err != nil {
		return nil, fmt.Errorf("cluster: queue %q: %w", name, err)
	}
	return q, nil
}

// Put appends v, and returns once the server has stored it.
func (q *Queue[T]) Put(ctx context.Context, v T) error {
	b, err := q.coder.EncodeCopy(v)
	if err != nil {
		return err
	}
	if _, err := q.c.js.PublishMsg(ctx, &nats.Msg{Subject: q.subject, Data: b}); err != nil {
		return fmt.Errorf("cluster: %w", err)
	}
	return nil
}

// Get removes and returns the first item, waiting as long as ctx allows;
// at ctx's end it returns an error matching mproc.ErrEmpty and ctx's error.
func (q *Queue[T]) Get(ctx context.Context) (T, error) {
	var zero T
	for {
		msg, err := q.cons.Next(jetstream.FetchContext(ctx))
		if err != nil {
			if ended(ctx) {
				return zero, fmt.Errorf("%w: %w", mproc.ErrEmpty, context.DeadlineExceeded)
			}
			if ctx.Err() != nil {
				return zero, fmt.Errorf("%w: %w", mproc.ErrEmpty, ctx.Err())
			}
			if errors.Is(err, nats.ErrTimeout) || errors.Is(err, jetstream.ErrNoMessages) {
				continue
			}
			return zero, fmt.Errorf("cluster: %w", err)
		}
		v, err := q.coder.DecodeCopy(msg.Data())
		if err != nil {
			msg.Term() // no Get can decode it: it is dropped, not redelivered
			return zero, err
		}
		if err := msg.DoubleAck(ctx); err != nil {
			continue // not acknowledged: it goes to another Get
		}
		return v, nil
	}
}

// Len is the number of items in the queue, those being taken included.
func (q *Queue[T]) Len(ctx context.Context) (int, error) {
	info, err := q.stream.Info(ctx)
	if err != nil {
		return 0, fmt.Errorf("cluster: %w", err)
	}
	return int(info.State.Msgs), nil
}

// ended says whether ctx's deadline has passed, which nats.go may see
// before ctx's own timer says so.
func ended(ctx context.Context) bool {
	d, ok := ctx.Deadline()
	return ok && !time.Now().Before(d)
}
