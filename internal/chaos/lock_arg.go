package chaos

import "mproc"

// lockArg: take L, set Held, then hold L until killed.
type lockArg struct {
	L    *mproc.Lock
	Held *mproc.Event
}
