package mproc

import (
	"context"
	"fmt"
	"reflect"

	"mproc/internal/wire"
)

// poolInit is a pool's initializer and its argument on their way to each
// worker. The argument is encoded once, but the shared objects in it (a
// Value, a Lock, a Queue) travel beside every worker's start message, as
// any argument's do, and are decoded while they are there: the worker then
// holds them for its life, as CPython's initializer keeps its initargs in
// globals.
type poolInit struct {
	name   string
	arg    []byte
	walk   func(*attachments)                     // the parent's: finds the argument's shared objects
	runArg func(context.Context) (outcome, error) // the worker's: the initializer on its decoded argument
}

// poolInitWire is what crosses.
type poolInitWire struct {
	Name string
	Arg  []byte
}

func newPoolInit[A any](init *Func[A, None], arg A) (*poolInit, error) {
	b, err := init.arg.Encode(arg)
	if err != nil {
		return nil, err
	}
	return &poolInit{name: init.Name(), arg: b, walk: func(a *attachments) {
		a.walk(reflect.ValueOf(&arg).Elem(), 0)
	}}, nil
}

func (i *poolInit) attach(a *attachments) {
	if i.walk != nil {
		i.walk(a)
	}
}

// MarshalBinary encodes the initializer's name and argument.
func (i *poolInit) MarshalBinary() ([]byte, error) {
	return wire.CBOR.Marshal(poolInitWire{Name: i.name, Arg: i.arg})
}

// UnmarshalBinary decodes the argument at once, while the descriptors of
// its shared objects are here with the message.
func (i *poolInit) UnmarshalBinary(b []byte) error {
	var w poolInitWire
	if err := wire.CBOR.Unmarshal(b, &w); err != nil {
		return fmt.Errorf("%w: pool initializer: %v", wire.ErrCorrupt, err)
	}
	reg, ok := lookup(w.Name)
	if !ok {
		return fmt.Errorf("%w: %q", ErrNotRegistered, w.Name)
	}
	run, err := reg.decodeArg(w.Arg)
	if err != nil {
		return err
	}
	i.name, i.runArg = w.Name, run
	return nil
}

// run runs the initializer in the worker.
func (i *poolInit) run(ctx context.Context) error {
	_, err := i.runArg(ctx)
	return err
}
