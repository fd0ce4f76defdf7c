package connection

import "mproc/internal/ctxio"

var (
	deadline = ctxio.Deadline
	ctxErr   = ctxio.Err
)
