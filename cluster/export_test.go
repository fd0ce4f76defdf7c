package cluster

import "mproc/internal/wire"

func newStringCoder() *wire.Coder[string] { return wire.NewCoder[string](nil) }
