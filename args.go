package mproc

// Args2 is the argument of a function of two arguments, for Register2 and
// Starmap (CPython's starmap takes tuples).
type Args2[A, B any] struct {
	A A
	B B
}

// Args3 is the argument of a function of three arguments.
type Args3[A, B, C any] struct {
	A A
	B B
	C C
}

// Register2 registers fn(a, b) as a function of one Args2.
func Register2[A, B, R any](name string, fn func(A, B) (R, error)) *Func[Args2[A, B], R] {
	return Register[Args2[A, B], R](name, func(a Args2[A, B]) (R, error) { return fn(a.A, a.B) })
}

// Register3 registers fn(a, b, c) as a function of one Args3.
func Register3[A, B, C, R any](name string, fn func(A, B, C) (R, error)) *Func[Args3[A, B, C], R] {
	return Register[Args3[A, B, C], R](name, func(a Args3[A, B, C]) (R, error) { return fn(a.A, a.B, a.C) })
}
