package server

// EventKind says what an Event reports.
type EventKind uint8

const (
	// EventAccepted: the server accepted a connection. In a pooled model it
	// may wait for a free worker before EventServed.
	EventAccepted EventKind = iota + 1
	// EventServed: a handler started on the connection, in process Pid.
	EventServed
	// EventClosed: the handler returned (Err is its error, ErrCut if the
	// server cut it), or the process serving it died (a
	// *mproc.WorkerLostError or *mproc.ExitError).
	EventClosed
	// EventWorkerStarted: a worker process (Prefork), or a Process child,
	// started, pid Pid.
	EventWorkerStarted
	// EventWorkerExited: a worker process ended; Err says why, if it did
	// not end as the server asked.
	EventWorkerExited
)

func (k EventKind) String() string {
	switch k {
	case EventAccepted:
		return "accepted"
	case EventServed:
		return "served"
	case EventClosed:
		return "closed"
	case EventWorkerStarted:
		return "worker started"
	case EventWorkerExited:
		return "worker exited"
	}
	return "unknown"
}
