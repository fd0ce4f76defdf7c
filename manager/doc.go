// Package manager is Python's multiprocessing.managers for mproc: a
// manager is a server process that holds dicts, lists, namespaces, values,
// queues and sync objects, which every process, local or on another
// machine, reaches through proxies.
//
// A proxy is an ordinary argument: pass it to a child's Start, put it in a
// queue, or store it in another managed container; the receiver reaches the
// same object. It travels as the manager's address and the object's id,
// never with the auth key: the receiver connects with the key it knows for
// that address, or with its own process's auth key, which children
// inherit. Every call is one request to the manager, and atomic there.
//
// A complete program, in which ten child processes decrement one count:
//
//	package main
//
//	import (
//		"context"
//		"fmt"
//
//		"mproc"
//		"mproc/manager"
//	)
//
//	var decrement = mproc.Register[*manager.Dict[string, int], mproc.None]("decrement",
//		func(ctx context.Context, d *manager.Dict[string, int]) error {
//			_, err := d.Add(ctx, "count", -1) // one atomic request: no lock needed
//			return err
//		})
//
//	func main() {
//		mproc.Main()
//		ctx := context.Background()
//		m, err := manager.Start(ctx) // with Manager() as m:
//		if err != nil {
//			panic(err)
//		}
//		defer m.Shutdown(ctx)
//		d, err := manager.NewDict(ctx, m, map[string]int{"count": 10}) // m.dict({'count': 10})
//		if err != nil {
//			panic(err)
//		}
//		var ps []*mproc.Proc[mproc.None]
//		for range 10 {
//			p, err := decrement.Start(ctx, d)
//			if err != nil {
//				panic(err)
//			}
//			ps = append(ps, p)
//		}
//		for _, p := range ps {
//			p.Wait(ctx)
//		}
//		fmt.Println(d.Get(ctx, "count")) // 0 <nil>
//	}
//
// # Python to manager
//
//	with Manager() as m:                 m, _ := manager.Start(ctx); defer m.Shutdown(ctx)
//	d = m.dict({'count': 100})           d, _ := manager.NewDict(ctx, m, map[string]int{"count": 100})
//	with lock: d['count'] -= 1           d.Add(ctx, "count", -1)   one atomic request, no lock
//	l = m.list(); l.append(x)            l, _ := manager.NewList[int](ctx, m, nil); l.Append(ctx, x)
//	ns = m.Namespace(); ns.x = 1         ns, _ := manager.NewNamespace(ctx, m); ns.Set(ctx, "x", 1)
//	m.Value('d', 1.5)                    manager.NewValue(ctx, m, 1.5)
//	m.Queue(maxsize)                     manager.NewQueue[T](ctx, m, maxsize)
//	m.Lock(), m.RLock()                  manager.NewLock(ctx, m), manager.NewRLock(ctx, m)
//	m.Semaphore(n), m.BoundedSemaphore   manager.NewSemaphore(ctx, m, n), manager.NewBoundedSemaphore
//	m.Event(), m.Condition(lock)         manager.NewEvent(ctx, m), manager.NewCondition(ctx, m, lock)
//	m.Barrier(n, timeout=t)              manager.NewBarrier(ctx, m, n, manager.WithBarrierTimeout(t))
//	BaseManager.register('T', T)         manager.RegisterType[T]("T"); p, _ := manager.NewProxy(ctx, m, "T", nil)
//	p._callmethod('inc', (1,))           manager.Call[int](ctx, p, "Inc", 1)
//	get_server().serve_forever()         manager.Serve(ctx, listener)
//	BaseManager(address, authkey).connect()   manager.Connect(ctx, "tcp", addr, key)
//
// # Locks and waits
//
// Lock, RLock and Condition have the root package's lock vocabulary: Lock
// and Unlock (they are sync.Lockers), LockContext(ctx) and TryLock. Lock,
// which can't report an error, panics when the manager is gone rather than
// wait for ever; LockContext returns the error. Semaphore has Acquire(ctx),
// TryAcquire and Release, as golang.org/x/sync/semaphore.
//
// Every call that waits takes its bound from ctx: one that gives up at the
// deadline returns an error matching ctx.Err() (context.DeadlineExceeded),
// and a queue's also matches mproc.ErrEmpty or mproc.ErrFull. A manager
// that dies or shuts down gives ErrGone at once, also to calls waiting in
// it. A process that dies holding a manager's lock loses it: the manager
// releases it when the process's connections end.
//
// # Lifetime
//
// Objects live as long as their manager: there is no reference counting.
// Shutdown stops the manager; Close only drops this process's idle
// connections to it.
package manager
