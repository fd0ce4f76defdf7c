package cluster

import (
	"context"
	"errors"
	"fmt"

	"github.com/nats-io/nats.go/jetstream"
)

// The names of a pool's JetStream objects.
func tasksStream(pool string) string   { return "MPROC_TASKS_" + pool }
func tasksSubject(pool string) string  { return "mproc." + pool + ".tasks" }
func cancelSubject(pool string) string { return "mproc." + pool + ".cancel" }
func resultsBucket(pool string) string { return "mproc_results_" + pool }

const (
	consumerName = "workers"
	versionKey   = "version" // in the results bucket: the version of the pool's program
	lostSuffix   = ".lost"   // after a task's id: the error of a delivery that lost its worker
)

// poolStore is a pool's stream of tasks, its consumer and its bucket of
// results, made by whichever of NewPool and Serve comes first.
type poolStore struct {
	stream  jetstream.Stream
	tasks   jetstream.Consumer
	results jetstream.KeyValue
}

// openStore makes or opens a pool's objects. The pool's side (owner) sets
// the consumer's delivery limits; a worker keeps those it finds.
func openStore(ctx context.Context, c *Conn, pool string, cfg config, owner bool) (*poolStore, error) {
	js := c.js
	st, err := js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name:      tasksStream(pool),
		Subjects:  []string{tasksSubject(pool)},
		Retention: jetstream.WorkQueuePolicy,
		Storage:   jetstream.FileStorage,
	})
	if err != nil {
		return nil, fmt.Errorf("cluster: pool %q: the task stream: %w", pool, err)
	}
	ccfg := jetstream.ConsumerConfig{
		Durable:       consumerName,
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       cfg.ackWait,
		MaxDeliver:    cfg.maxDeliver,
		MaxAckPending: -1,
	}
	var cons jetstream.Consumer
	if owner {
		cons, err = st.CreateOrUpdateConsumer(ctx, ccfg)
	} else if cons, err = st.Consumer(ctx, consumerName); errors.Is(err, jetstream.ErrConsumerNotFound) {
		cons, err = st.CreateConsumer(ctx, ccfg)
		if errors.Is(err, jetstream.ErrConsumerExists) {
			cons, err = st.Consumer(ctx, consumerName)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("cluster: pool %q: the workers' consumer: %w", pool, err)
	}
	kvcfg := jetstream.KeyValueConfig{Bucket: resultsBucket(pool), TTL: cfg.resultTTL, Storage: jetstream.FileStorage}
	var kv jetstream.KeyValue
	if owner {
		kv, err = js.CreateOrUpdateKeyValue(ctx, kvcfg)
	} else if kv, err = js.KeyValue(ctx, kvcfg.Bucket); errors.Is(err, jetstream.ErrBucketNotFound) {
		kv, err = js.CreateKeyValue(ctx, kvcfg)
		if errors.Is(err, jetstream.ErrBucketExists) {
			kv, err = js.KeyValue(ctx, kvcfg.Bucket)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("cluster: pool %q: the results bucket: %w", pool, err)
	}
	return &poolStore{stream: st, tasks: cons, results: kv}, nil
}
