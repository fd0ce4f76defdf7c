// Package demo holds the runnable stories of the seeds: each Demo is one
// scenario from CPython's multiprocessing tutorials, told with mproc. The
// mproc command's tour runs them all; examples/ tells each again as a
// program of its own.
package demo

import (
	"context"
	"io"
	"slices"
	"sync"
)

// Demo is one scenario.
type Demo struct {
	Name  string // what `mproc demo NAME` takes
	Title string // one line for the tour's narration
	Intro string // a few sentences: what the seed shows and what to watch for
	Run   func(ctx context.Context, w io.Writer) error
	// Prepare, if set, runs before Run and outside its time: slow one-off
	// work the demo needs (the cluster demo's nats-server build).
	Prepare func(ctx context.Context, w io.Writer) error
}

var registry struct {
	sync.Mutex
	demos []Demo
}

// add registers a demo; called from each demo file's init.
func add(d Demo) {
	registry.Lock()
	defer registry.Unlock()
	registry.demos = append(registry.demos, d)
}

// All returns the demos in tour order.
func All() []Demo {
	registry.Lock()
	defer registry.Unlock()
	out := slices.Clone(registry.demos)
	slices.SortStableFunc(out, func(a, b Demo) int { return order(a.Name) - order(b.Name) })
	return out
}

// Find returns the demo called name.
func Find(name string) (Demo, bool) {
	for _, d := range All() {
		if d.Name == name {
			return d, true
		}
	}
	return Demo{}, false
}

// tourOrder lists demo names in the order the tour tells them; demos not
// listed come last, in registration order.
var tourOrder = []string{
	"sched", "parallel", "sync-async", "blocking", // seed 001's background, before any code
	"hello", "join", "daemon", "isolation", "lifecycle", "endings", "zombie-orphan",
	"lock-print", "tickets", "counter", "rlock", "lock-survives",
	"queue-basics", "queue-child", "queue-talk", "producer-consumer", "joinable", "pipe",
	"pool", "crawler", "threadpool", "gevent", "threads", "tcp-server", "pool-server", "manager",
	"cluster",
}

func order(name string) int {
	if i := slices.Index(tourOrder, name); i >= 0 {
		return i
	}
	return len(tourOrder)
}
