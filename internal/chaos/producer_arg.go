package chaos

import "mproc"

// producerArg: put the items of producer ID on Q, storing in Done the
// number of Puts that returned, until Stop is set.
type producerArg struct {
	Q    *mproc.Queue[putItem]
	ID   int
	Done *mproc.Value[int64]
	Stop *mproc.Event
}
