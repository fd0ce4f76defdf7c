package cluster

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Lock is a lock shared by every process of the cluster: a key in a
// JetStream bucket with a TTL, which the holder renews while it holds the
// lock. A holder that dies (or is cut off) loses the lock once the TTL
// passes, and the next holder gets a higher fencing token: a resource that
// remembers the highest token it has seen (or asks Check) refuses the
// writes of a holder that lost the lock without knowing it.
//
// One Lock value is one would-be holder; it is not reentrant.
type Lock struct {
	c    *Conn
	kv   jetstream.KeyValue
	name string
	ttl  time.Duration
	id   string // this holder's, in the key's value

	mu    sync.Mutex
	held  bool
	token uint64
	rev   uint64        // the key's revision, for the next renewal
	lost  chan struct{} // closed when a renewal fails
	stop  chan struct{} // ends the renewals
	done  chan struct{} // closed when they have ended
}

const locksBucket = "mproc_locks"

// lockValue is what the key holds.
type lockValue struct {
	Holder string `json:"holder"`
	Token  uint64 `json:"token,omitempty"` // 0 until the first renewal: the key's first revision
}

// NewLock makes a handle on the lock called name. Options: WithTTL.
func NewLock(ctx context.Context, c *Conn, name string, opts ...Option) (*Lock, error) {
	cfg := newConfig(opts)
	if err := checkName("lock", name); err != nil {
		return nil, err
	}
	if cfg.ttl < time.Second {
		return nil, fmt.Errorf("cluster: lock TTL %v is below 1 s", cfg.ttl)
	}
	kv, err := c.js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket: locksBucket, Storage: jetstream.FileStorage,
		LimitMarkerTTL: time.Second, // lets keys carry a TTL; an expired key leaves a marker watchers see
	})
	if err != nil {
		return nil, fmt.Errorf("cluster: locks bucket: %w", err)
	}
	return &Lock{c: c, kv: kv, name: name, ttl: cfg.ttl, id: newClientID()}, nil
}

// TryLock takes the lock if it is free now and reports whether it did.
func (l *Lock) TryLock(ctx context.Context) (bool, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.held {
		return false, fmt.Errorf("cluster: lock %q is held by this handle already", l.name)
	}
	v, _ := json.Marshal(lockValue{Holder: l.id})
	rev, err := l.kv.Create(ctx, l.name, v, jetstream.KeyTTL(l.ttl))
	if errors.Is(err, jetstream.ErrKeyExists) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("cluster: lock %q: %w", l.name, err)
	}
	l.held, l.token, l.rev = true, rev, rev
	l.lost, l.stop, l.done = make(chan struct{}), make(chan struct{}), make(chan struct{})
	go l.renew(l.stop, l.done)
	return true, nil
}

// LockContext waits until it takes the lock, or ctx ends (then it returns
// ctx's error and does not hold the lock).
func (l *Lock) LockContext(ctx context.Context) error {
	w, err := l.kv.Watch(ctx, l.name, jetstream.UpdatesOnly())
	if err != nil {
		return fmt.Errorf("cluster: lock %q: %w", l.name, err)
	}
	defer w.Stop()
	// Besides the watch, a try each half TTL: the key's end is the
	// server's to mark, and a try costs one round trip.
	tick := time.NewTicker(l.ttl / 2)
	defer tick.Stop()
	for {
		ok, err := l.TryLock(ctx)
		if ok || err != nil {
			return err
		}
		select {
		case <-w.Updates():
		case <-tick.C:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// renew puts the key again, with its TTL, three times per TTL, as long as
// its revision is the one this holder wrote last.
func (l *Lock) renew(stop, done chan struct{}) {
	defer close(done)
	tick := time.NewTicker(l.ttl / 3)
	defer tick.Stop()
	for {
		select {
		case <-stop:
			return
		case <-tick.C:
		}
		l.mu.Lock()
		rev, token := l.rev, l.token
		l.mu.Unlock()
		v, _ := json.Marshal(lockValue{Holder: l.id, Token: token})
		ctx, cancel := context.WithTimeout(context.Background(), l.ttl/3)
		ack, err := l.c.js.PublishMsg(ctx, &nats.Msg{Subject: "$KV." + locksBucket + "." + l.name, Data: v},
			jetstream.WithExpectLastSequencePerSubject(rev), jetstream.WithMsgTTL(l.ttl))
		cancel()
		var apiErr *jetstream.APIError
		switch {
		case err == nil:
			l.mu.Lock()
			l.rev = ack.Sequence
			l.mu.Unlock()
		case errors.As(err, &apiErr):
			// The key is not ours any more (it expired, or another took
			// it): the lock is lost.
			close(l.lost)
			return
		}
		// Other errors (the server is away): the next tick tries again,
		// and the TTL decides.
	}
}

// Unlock releases the lock. It returns an error matching ErrLockLost if
// the lock had expired or passed to another before.
func (l *Lock) Unlock(ctx context.Context) error {
	l.mu.Lock()
	if !l.held {
		l.mu.Unlock()
		return fmt.Errorf("cluster: unlock of lock %q, which this handle does not hold", l.name)
	}
	l.held = false
	close(l.stop)
	done := l.done
	l.mu.Unlock()
	<-done
	l.mu.Lock()
	rev := l.rev
	l.mu.Unlock()
	select {
	case <-l.lost:
		return fmt.Errorf("%w: %q", ErrLockLost, l.name)
	default:
	}
	err := l.kv.Delete(ctx, l.name, jetstream.LastRevision(rev))
	if err != nil {
		if errors.Is(err, jetstream.ErrKeyExists) || errors.Is(err, jetstream.ErrKeyRevisionMismatch) {
			return fmt.Errorf("%w: %q", ErrLockLost, l.name)
		}
		var apiErr *jetstream.APIError
		if errors.As(err, &apiErr) {
			return fmt.Errorf("%w: %q: %v", ErrLockLost, l.name, err)
		}
		return fmt.Errorf("cluster: unlock of %q: %w", l.name, err)
	}
	return nil
}

// Token is the fencing token of the current hold: it grows with every
// acquisition of the lock, by anyone. Zero when not held.
func (l *Lock) Token() uint64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.held {
		return 0
	}
	return l.token
}

// Lost is closed when this handle's hold ends without Unlock: a renewal
// found the key expired or taken. A holder that is cut off from the
// server may not hear of it: fence its writes (Check, or a resource that
// keeps the highest token).
func (l *Lock) Lost() <-chan struct{} {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.lost == nil {
		return nil
	}
	return l.lost
}

// Check returns nil if token is the current holder's, and otherwise an
// error matching ErrStaleToken: the lock was released, expired or taken
// since the token was given.
func (l *Lock) Check(ctx context.Context, token uint64) error {
	e, err := l.kv.Get(ctx, l.name)
	if errors.Is(err, jetstream.ErrKeyNotFound) || errors.Is(err, jetstream.ErrKeyDeleted) {
		return fmt.Errorf("%w: token %d: lock %q is free", ErrStaleToken, token, l.name)
	}
	if err != nil {
		return fmt.Errorf("cluster: lock %q: %w", l.name, err)
	}
	var v lockValue
	if err := json.Unmarshal(e.Value(), &v); err != nil {
		return fmt.Errorf("cluster: lock %q holds %q: %w", l.name, e.Value(), err)
	}
	cur := v.Token
	if cur == 0 {
		cur = e.Revision()
	}
	if cur != token {
		return fmt.Errorf("%w: token %d, the holder's is %d", ErrStaleToken, token, cur)
	}
	return nil
}
