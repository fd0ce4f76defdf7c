// Package natsproc runs a NATS server with JetStream as a separate OS
// process, for `mproc cluster up`, the tour's cluster demo and the bench's
// cluster group.
//
// It replaces linking nats-server into the mproc command: every package a
// binary links runs its initialisation in each child the binary starts, and
// nats-server made each child of the command about 2 ms slower to start and
// a few MB larger. The server binary is found, in order, at
// $MPROC_NATS_SERVER, as nats-server on PATH, or built by the go tool from
// the mproc module's tool dependency when running from its source tree
// (see Locate).
//
// The server can't outlive the process that started it: on Linux it gets
// SIGTERM when its parent dies, and Stop sends SIGTERM, then SIGKILL after
// a bound.
package natsproc
