package mgr

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// Server holds a manager's objects.
type Server struct {
	epoch uint64 // the high half of every object id: ids of another server never match
	next  atomic.Uint64

	mu      sync.RWMutex
	objs    map[uint64]object
	clients map[uint64]*client
}

// object is anything a manager holds.
type object interface {
	call(c *Call) ([][]byte, error)
}

// Call is one request being served.
type Call struct {
	*Request
	Ctx context.Context // ends when the client is gone
}

// wait is the ctx a blocking call waits with: the client's, bounded by the
// request's deadline. NoWait gives one that has ended.
func (c *Call) wait() (context.Context, context.CancelFunc) {
	switch {
	case c.Flags&FlagNoWait != 0:
		ctx, cancel := context.WithCancel(c.Ctx)
		cancel()
		return ctx, cancel
	case c.Deadline != 0:
		return context.WithDeadline(c.Ctx, time.Unix(0, c.Deadline))
	}
	return context.WithCancel(c.Ctx)
}

// owner is the (client, token) pair that owns a lock.
type owner struct{ client, token uint64 }

func (c *Call) owner() owner { return owner{c.Owner, c.Token} }

// client is a client process: its sessions, and the locks it holds, which
// are released when its last session ends.
type client struct {
	sessions int
	held     map[*lockObj]bool
}

// NewServer makes an empty server.
func NewServer() *Server {
	var b [4]byte
	rand.Read(b[:])
	return &Server{
		epoch:   uint64(binary.LittleEndian.Uint32(b[:])|1) << 32,
		objs:    map[uint64]object{},
		clients: map[uint64]*client{},
	}
}

// ID is the server's identity, which a client checks its proxies against.
func (s *Server) ID() uint64 { return s.epoch }

// ClientCame counts a session of a client process.
func (s *Server) ClientCame(id uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.clients[id]
	if c == nil {
		c = &client{held: map[*lockObj]bool{}}
		s.clients[id] = c
	}
	c.sessions++
}

// ClientLeft ends a session; when it was the client's last, the locks the
// client holds are released (it died, or let go of the manager).
func (s *Server) ClientLeft(id uint64) {
	s.mu.Lock()
	c := s.clients[id]
	if c == nil {
		s.mu.Unlock()
		return
	}
	if c.sessions--; c.sessions > 0 {
		s.mu.Unlock()
		return
	}
	delete(s.clients, id)
	s.mu.Unlock()
	for l := range c.held {
		l.dropClient(id)
	}
}

// holds records that a client holds (or no longer holds) a lock.
func (s *Server) holds(id uint64, l *lockObj, held bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c := s.clients[id]; c != nil {
		if held {
			c.held[l] = true
		} else {
			delete(c.held, l)
		}
	}
}

// Handle serves one request. ctx ends when the client is gone.
func (s *Server) Handle(ctx context.Context, r *Request) ([][]byte, error) {
	c := &Call{Request: r, Ctx: ctx}
	switch r.Op {
	case OpHello, OpPing:
		return [][]byte{u64b(s.epoch)}, nil
	case OpCreate:
		return s.create(c)
	}
	s.mu.RLock()
	o := s.objs[r.Obj]
	s.mu.RUnlock()
	if o == nil {
		return nil, fmt.Errorf("%w (id %#x)", ErrNoObject, r.Obj)
	}
	return o.call(c)
}

// Undo takes back what a call did when its answer could not reach the
// client: a lock it acquired, an item it took.
func (s *Server) Undo(r *Request, vals [][]byte) {
	s.mu.RLock()
	o := s.objs[r.Obj]
	s.mu.RUnlock()
	if u, ok := o.(undoer); ok {
		u.undo(&Call{Request: r, Ctx: context.Background()}, vals)
	}
}

type undoer interface {
	undo(c *Call, vals [][]byte)
}

// Kinds of objects OpCreate makes; its first argument.
const (
	KindDict      = "dict"
	KindList      = "list"
	KindNamespace = "namespace"
	KindValue     = "value"
	KindQueue     = "queue"     // (maxsize u64)
	KindLock      = "lock"      //
	KindRLock     = "rlock"     //
	KindSemaphore = "semaphore" // (value u64, bound u64: 0 none)
	KindEvent     = "event"
	KindCondition = "condition" // (lock id u64)
	KindBarrier   = "barrier"   // (parties u64, timeout ns u64)
	KindType      = "type"      // (registered name, constructor args...)
)

func (s *Server) create(c *Call) ([][]byte, error) {
	if len(c.Args) == 0 {
		return nil, bad("create without a kind")
	}
	o, err := s.newObject(string(c.Args[0]), c.Args[1:])
	if err != nil {
		return nil, err
	}
	id := s.epoch | s.next.Add(1)&(1<<32-1)
	s.mu.Lock()
	s.objs[id] = o
	s.mu.Unlock()
	return [][]byte{u64b(id)}, nil
}

func (s *Server) newObject(kind string, args [][]byte) (object, error) {
	switch kind {
	case KindDict, KindNamespace:
		return newDict(args)
	case KindList:
		return newList(args)
	case KindValue:
		if len(args) != 1 {
			return nil, bad("a value needs its initial value")
		}
		return &valueObj{v: clone(args[0])}, nil
	case KindQueue:
		n, err := argU64(args, 0)
		if err != nil {
			return nil, err
		}
		return newQueue(int(min(n, 1<<31))), nil
	case KindLock, KindRLock:
		return &lockObj{srv: s, recursive: kind == KindRLock, changed: newSignal()}, nil
	case KindSemaphore:
		return newSemaphore(args)
	case KindEvent:
		return &eventObj{changed: newSignal()}, nil
	case KindCondition:
		return s.newCondition(args)
	case KindBarrier:
		return newBarrier(args)
	case KindType:
		return newCustom(args)
	}
	return nil, fmt.Errorf("%w: no kind of object %q", ErrRefused, kind)
}

func (s *Server) newCondition(args [][]byte) (object, error) {
	id, err := argU64(args, 0)
	if err != nil {
		return nil, err
	}
	s.mu.RLock()
	l, ok := s.objs[id].(*lockObj)
	s.mu.RUnlock()
	if !ok {
		return nil, bad("a condition's lock must be a Lock or RLock of the same manager")
	}
	return &condObj{lock: l}, nil
}

// signal wakes everyone waiting for a change: waiters take the channel
// under their object's lock, and the changer closes it and makes another.
type signal struct{ ch chan struct{} }

func newSignal() signal { return signal{make(chan struct{})} }

func (s *signal) broadcast() {
	close(s.ch)
	s.ch = make(chan struct{})
}

func u64b(v uint64) []byte { return binary.LittleEndian.AppendUint64(nil, v) }

func boolb(v bool) []byte {
	if v {
		return []byte{1}
	}
	return []byte{0}
}

func argU64(args [][]byte, i int) (uint64, error) {
	if i >= len(args) || len(args[i]) != 8 {
		return 0, bad("argument %d is not an 8-byte integer", i)
	}
	return binary.LittleEndian.Uint64(args[i]), nil
}

func clone(b []byte) []byte { return append([]byte{}, b...) }

func refused(op Op, kind string) error {
	return fmt.Errorf("%w: operation %d on a %s", ErrRefused, op, kind)
}

func argI64(args [][]byte, i int) (int64, error) {
	v, err := argU64(args, i)
	return int64(v), err
}
