package dashboard

import "mproc"

// Source is something the dashboard shows: a pool or a queue.
type Source struct {
	name  string
	pool  *mproc.Pool
	queue interface{ Len() int }
}

// Pool shows p under name: its workers, throughput, latency and restarts.
func Pool(name string, p *mproc.Pool) Source { return Source{name: name, pool: p} }

// Queue shows the depth of q (an mproc.Queue or JoinableQueue) under name.
func Queue(name string, q interface{ Len() int }) Source { return Source{name: name, queue: q} }
