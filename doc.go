// Package mproc brings Python's multiprocessing model to Go: registered Go
// functions run in real child processes, which can be joined, terminated,
// killed, made daemons, and lost without losing the program.
//
// Go cannot fork a running program, so a child is a fresh exec of the same
// binary that finds its work by name. Two rules follow, both checked with
// clear errors:
//
//   - register functions at package level (or in init), so that the child,
//     which runs the binary from the start, has them too;
//   - call [Main] first in main (and in TestMain): in a child it runs the
//     function and exits; in the program started by hand it returns. It is
//     Go's `if __name__ == '__main__':`.
//
// A complete program:
//
//	package main
//
//	import (
//		"context"
//		"fmt"
//
//		"mproc"
//	)
//
//	var square = mproc.Register[int, int]("square", func(x int) int { return x * x })
//
//	func main() {
//		mproc.Main()
//		ctx := context.Background()
//		p, err := square.Start(ctx, 7) // a child process computes 7*7
//		if err != nil {
//			panic(err)
//		}
//		r, err := p.Wait(ctx)
//		fmt.Println(r, err, p) // 49 <nil> <Process(Process-1, stopped exitcode=0)>
//	}
//
// # From Python
//
// The names follow Python's multiprocessing: Process, Lock, Queue, Pool,
// apply_async as Submit with OnDone, imap as Imap returning an iter.Seq2,
// and so on. The README's "Python to mproc" table maps each of them.
//
// # Shared objects
//
// [Lock], [RLock], [Semaphore], [Event], [Condition], [Barrier], [Value] and
// [Array] live in shared memory and cross to children as ordinary
// arguments (or results), alone or inside structs; their memory travels as
// file descriptors beside the message. A Lock whose holder dies passes to
// the next acquirer with [ErrOwnerDead]. Named [SharedMemory] attaches by
// name from any process. Lock-like types share sync.Mutex's method set
// (Lock, Unlock, TryLock) plus LockContext(ctx); Close on any shared object
// frees its descriptors and mapping in this process, while other processes
// keep using it.
//
// # Queues and pipes
//
// [Queue], [JoinableQueue] and [SimpleQueue] carry typed items between any
// processes; [Pipe] returns two connected [Conn] ends; package
// mproc/connection's Listen and Dial connect processes over Unix, TCP or
// TLS sockets with CPython's auth-key handshake, and its Wait waits on
// several ends. All of them travel as arguments and inside items. Queues and
// pipes move items through shared memory without a feeder thread: when Put
// returns, the item is there, whatever happens to the process next. A
// queue grows when its buffer is full and nobody is getting, so Put waits
// only for maxsize, never for a reader.
//
// # Pools
//
// A [Pool] of worker processes and a [GoExecutor] of goroutines are both an
// [Executor]; registered functions run on either and return a [Future]:
//
//	pool, _ := mproc.NewPool(ctx, mproc.WithWorkers(3))
//	squares, _ := square.Map(ctx, pool, []int{1, 2, 3})     // pool.map
//	square.Submit(ctx, pool, 4).OnDone(func(f *mproc.Future[int]) { ... })  // apply_async(callback=)
//	pool.Close(); pool.Join(ctx)
//
// A worker that dies in a task fails that task with a [*WorkerLostError]
// (or runs it again: [WithRetries]) and is replaced; a task past its
// deadline ([WithTaskTimeout], or Submit's ctx) is cancelled, then its
// worker killed, and fails with [ErrTimeout].
//
// # Managers
//
// Managers, a server process holding dicts, lists, namespaces, values,
// queues and sync objects that every process reaches through proxies
// (Python's multiprocessing.managers), are in package mproc/manager.
//
// # Errors
//
// An error or panic in a child reaches the parent as a [*RemoteError] with
// its text (and stack, for a panic); the child exits with code 1 and prints
// it on its stderr, as CPython does. A child that ends without a result
// (Exit, Terminate, Kill, a crash) gives an [*ExitError]. Sentinels such as
// [ErrTimeout] survive the crossing and match with errors.Is. Values that
// cannot cross (funcs, chans, pointers into this process's memory,
// unexported fields) are refused by Start with [ErrUnencodable], naming the
// type; nothing is started. Every sentinel is declared in errors.go; the
// internal packages' errors reach callers as those sentinels.
//
// # Deadlines
//
// Every call that can wait takes a ctx first, and one rule covers how it
// gives up: when ctx ends first, the error matches ctx.Err() with
// errors.Is. Where CPython raises something at its timeout, that sentinel
// is matched too at a deadline: a Put with no room matches [ErrFull] and
// context.DeadlineExceeded, a Get with nothing there [ErrEmpty], a
// Future's Get [ErrTimeout] (CPython's TimeoutError), a Barrier's Wait
// [ErrBrokenBarrier]. A cancelled ctx reads as cancelled only: a cancelled
// Put matches context.Canceled, not ErrFull. With a ctx that is already
// done, a Get or Put only looks (it succeeds if it need not wait), while
// work not yet started (Start, Submit, Map) is refused. Poll and Wait
// included, no call that gives up returns a nil error.
//
// # Encoding
//
// Arguments and results cross as bytes: []byte and strings as they are,
// fixed-size numeric types and slices of them as raw memory, everything else
// in a compact binary encoding with limits on nesting and size, so that a hostile or
// broken peer can make the decoder fail but not crash or exhaust memory.
//
// # Lifetime
//
// Every child is reaped when it ends, joined or not: no zombies. A daemon
// child ends when its parent ends, even when the parent is killed with
// SIGKILL; a daemon may not start children. [Shutdown] terminates daemons
// and waits for the rest. A non-daemon whose parent dies without Shutdown
// goes on as an orphan, adopted by init or by the nearest [SetSubreaper]
// process. [WarmSpares] keeps children started ahead, so a Start costs a
// message instead of an exec.
package mproc
