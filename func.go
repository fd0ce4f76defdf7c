package mproc

import (
	"context"
	"fmt"
	"reflect"
	"runtime/debug"
	"sync"

	"mproc/internal/wire"
)

// None is the argument or result type of functions that take or return nothing.
type None = struct{}

// Target lists the function shapes Register accepts: with or without a
// context, an argument, a result and an error.
type Target[A, R any] interface {
	func(context.Context, A) (R, error) | func(context.Context, A) R | func(context.Context, A) error | func(context.Context, A) |
		func(A) (R, error) | func(A) R | func(A) error | func(A) |
		func(context.Context) (R, error) | func(context.Context) R | func(context.Context) error | func(context.Context) |
		func() (R, error) | func() R | func() error | func()
}

// Func is a registered function: the handle that starts it in child
// processes with a typed argument and result.
type Func[A, R any] struct {
	name string
	late bool // registered after mproc.Main: a child, which stops at Main, never has it
	call func(context.Context, A) (R, error)
	ctx  bool // the target takes a context
	arg  *wire.Coder[A]
	res  *wire.Coder[R]

	// shared says whether A and R can hold shared objects, looked up once,
	// when first asked (a pool's Submit asks for every task): not at
	// Register, whose cost every child would pay at start for every
	// function of its program.
	shared func() (arg, res bool)

	chunks sync.Once // the coders of Map's chunks, made when first needed
	args   *wire.Coder[[]A]
	ress   *wire.Coder[[]R]
}

// registered is what a child looks up by name: a function that decodes its
// argument, runs, and encodes its result (with the shared segments the
// result holds).
type registered interface {
	decodeArg(arg []byte) (func(ctx context.Context) (outcome, error), error)
	runChunk(ctx context.Context, args []byte) ([]byte, error)
	types() (reflect.Type, reflect.Type)
	registeredLate() bool
	usesCtx() bool // the target takes a context
}

var registry = struct {
	sync.RWMutex
	m map[string]registered
}{m: map[string]registered{}}

// Register makes fn startable in child processes under name and returns its
// typed handle. Call it at package level (var F = mproc.Register[...]) or in
// init, so that a child, which runs the same binary, has registered fn by the
// time mproc.Main looks it up. A duplicate name panics, as http.HandleFunc does.
//
//	var Square = mproc.Register[int, int]("square", func(x int) int { return x * x })
func Register[A, R any, F Target[A, R]](name string, fn F) *Func[A, R] {
	f := &Func[A, R]{
		name: name,
		late: mainCalled.Load(),
		arg:  wire.NewCoder[A](nil),
		res:  wire.NewCoder[R](nil),
	}
	f.call, f.ctx = adapt[A, R](any(fn))
	f.shared = sync.OnceValues(func() (bool, bool) {
		return mayHoldShared(reflect.TypeFor[A]()), mayHoldShared(reflect.TypeFor[R]())
	})
	registry.Lock()
	defer registry.Unlock()
	if _, dup := registry.m[name]; dup {
		panic("mproc: Register called twice for " + name)
	}
	registry.m[name] = f
	return f
}

func lookup(name string) (registered, bool) {
	registry.RLock()
	defer registry.RUnlock()
	r, ok := registry.m[name]
	return r, ok
}

// Name is the name fn was registered under.
func (f *Func[A, R]) Name() string { return f.name }

// Process prepares a child process that will run f(arg), without starting it
// (CPython's Process(target=f, args=(arg,))). Start it with Start.
func (f *Func[A, R]) Process(arg A, opts ...Option) *Proc[R] {
	p := newProcess(f.name, newProcConfig(opts), func() ([]byte, *attachments, error) {
		b, err := f.arg.Encode(arg)
		if err != nil {
			return nil, nil, err
		}
		return b, attachmentsOf(reflect.ValueOf(&arg).Elem()), nil
	})
	p.decode = func(b []byte) (any, error) { return f.res.Decode(b) }
	return &Proc[R]{Process: p}
}

// Start runs f(arg) in a new child process and returns once the child has
// accepted the work.
func (f *Func[A, R]) Start(ctx context.Context, arg A, opts ...Option) (*Proc[R], error) {
	p := f.Process(arg, opts...)
	if err := p.Start(ctx); err != nil {
		return p, err
	}
	return p, nil
}

// Call runs f(arg) in a new child process and waits for its result.
func (f *Func[A, R]) Call(ctx context.Context, arg A, opts ...Option) (R, error) {
	p, err := f.Start(ctx, arg, opts...)
	if err != nil {
		var zero R
		return zero, err
	}
	defer p.Close()
	return p.Wait(ctx)
}

func (f *Func[A, R]) types() (reflect.Type, reflect.Type) { return f.arg.Type(), f.res.Type() }

func (f *Func[A, R]) registeredLate() bool { return f.late }

func (f *Func[A, R]) usesCtx() bool { return f.ctx }

func (f *Func[A, R]) decodeArg(b []byte) (func(ctx context.Context) (outcome, error), error) {
	a, err := f.arg.Decode(b)
	if err != nil {
		return nil, err
	}
	return func(ctx context.Context) (outcome, error) { return f.run(ctx, a) }, nil
}

// outcome is an encoded result and what must travel beside it.
type outcome struct {
	payload []byte
	att     *attachments
}

// run calls the target, turning a panic into a *RemoteError with the stack.
func (f *Func[A, R]) run(ctx context.Context, a A) (outcome, error) {
	r, err := f.safeCall(ctx, a)
	if err != nil {
		return outcome{}, err
	}
	b, err := f.res.Encode(r)
	if err != nil {
		return outcome{}, fmt.Errorf("mproc: result of %s: %w", f.name, err)
	}
	// Only a type that can hold shared objects is walked (and copied to
	// the heap for reflect); a result of any other costs nothing here.
	var at *attachments
	if _, res := f.shared(); res {
		at = attachmentsOfCopy(r)
	}
	return outcome{b, at}, nil
}

// safeCall calls the target, turning a panic into an error with the stack.
func (f *Func[A, R]) safeCall(ctx context.Context, a A) (r R, err error) {
	defer func() {
		if v := recover(); v != nil {
			err = &PanicError{Value: v, Stack: string(debug.Stack())}
		}
	}()
	return f.call(ctx, a)
}

func (f *Func[A, R]) chunkCoders() (*wire.Coder[[]A], *wire.Coder[[]R]) {
	f.chunks.Do(func() {
		f.args, f.ress = wire.NewCoder[[]A](nil), wire.NewCoder[[]R](nil)
	})
	return f.args, f.ress
}

// runChunk runs the target on each argument of an encoded []A, for Map, and
// returns the encoded []R; the first failure fails the chunk.
func (f *Func[A, R]) runChunk(ctx context.Context, b []byte) ([]byte, error) {
	ac, rc := f.chunkCoders()
	args, err := ac.Decode(b)
	if err != nil {
		return nil, err
	}
	out := make([]R, len(args))
	for i, a := range args {
		if i > 0 && ctx.Err() != nil { // cancelled: the arguments left are not started
			return nil, ctx.Err()
		}
		if out[i], err = f.safeCall(ctx, a); err != nil {
			return nil, err
		}
	}
	if _, res := f.shared(); res {
		if err := sharedInPool(attachmentsOf(reflect.ValueOf(&out).Elem())); err != nil {
			return nil, err
		}
	}
	enc, err := rc.Encode(out)
	if err != nil {
		return nil, fmt.Errorf("mproc: results of %s: %w", f.name, err)
	}
	return enc, nil
}

// adapt turns any Target shape into the canonical one, and reports whether
// fn takes a context (a worker makes a task's context only for those).
func adapt[A, R any](fn any) (func(context.Context, A) (R, error), bool) {
	var zero R
	switch f := fn.(type) {
	case func(context.Context, A) (R, error):
		return f, true
	case func(context.Context, A) R:
		return func(ctx context.Context, a A) (R, error) { return f(ctx, a), nil }, true
	case func(context.Context, A) error:
		return func(ctx context.Context, a A) (R, error) { return zero, f(ctx, a) }, true
	case func(context.Context, A):
		return func(ctx context.Context, a A) (R, error) { f(ctx, a); return zero, nil }, true
	case func(A) (R, error):
		return func(_ context.Context, a A) (R, error) { return f(a) }, false
	case func(A) R:
		return func(_ context.Context, a A) (R, error) { return f(a), nil }, false
	case func(A) error:
		return func(_ context.Context, a A) (R, error) { return zero, f(a) }, false
	case func(A):
		return func(_ context.Context, a A) (R, error) { f(a); return zero, nil }, false
	}
	return adaptNoArg[A, R](fn)
}

func adaptNoArg[A, R any](fn any) (func(context.Context, A) (R, error), bool) {
	var zero R
	switch f := fn.(type) {
	case func(context.Context) (R, error):
		return func(ctx context.Context, _ A) (R, error) { return f(ctx) }, true
	case func(context.Context) R:
		return func(ctx context.Context, _ A) (R, error) { return f(ctx), nil }, true
	case func(context.Context) error:
		return func(ctx context.Context, _ A) (R, error) { return zero, f(ctx) }, true
	case func(context.Context):
		return func(ctx context.Context, _ A) (R, error) { f(ctx); return zero, nil }, true
	case func() (R, error):
		return func(context.Context, A) (R, error) { return f() }, false
	case func() R:
		return func(context.Context, A) (R, error) { return f(), nil }, false
	case func() error:
		return func(context.Context, A) (R, error) { return zero, f() }, false
	case func():
		return func(context.Context, A) (R, error) { f(); return zero, nil }, false
	}
	panic(fmt.Sprintf("mproc: Register: unsupported function type %T", fn))
}
