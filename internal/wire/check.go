package wire

import (
	"encoding"
	"errors"
	"fmt"
	"reflect"
	"sync"

	"github.com/fxamacker/cbor/v2"
)

// ErrUnencodable is matched (errors.Is) by every error about a value that
// cannot be sent to another process.
var ErrUnencodable = errors.New("mproc: value cannot cross a process boundary")

// TypeError names the type that cannot cross and the part of it at fault.
type TypeError struct {
	Type   reflect.Type // the type that was to be sent
	Path   string       // where inside it, e.g. ".Callback" or "[]"; empty for the type itself
	Reason string
}

func (e *TypeError) Error() string {
	if e.Path == "" {
		return fmt.Sprintf("mproc: cannot send %v to another process: %s", e.Type, e.Reason)
	}
	return fmt.Sprintf("mproc: cannot send %v to another process: %s %s", e.Type, e.Path, e.Reason)
}

func (e *TypeError) Unwrap() error { return ErrUnencodable }

var (
	typeChecks     sync.Map // reflect.Type -> error (nil stored as okType)
	marshalerTypes = []reflect.Type{
		reflect.TypeFor[cbor.Marshaler](),
		reflect.TypeFor[encoding.BinaryMarshaler](),
		reflect.TypeFor[encoding.TextMarshaler](),
	}
)

type okType struct{}

// CheckType reports whether values of type t can be encoded for another
// process. Interface-typed parts are checked later, on the value, by CheckValue.
func CheckType(t reflect.Type) error {
	if t == nil {
		return nil
	}
	if v, ok := typeChecks.Load(t); ok {
		if err, isErr := v.(error); isErr {
			return err
		}
		return nil
	}
	path, reason := walkType(t, map[reflect.Type]bool{})
	var err error
	if reason != "" {
		err = &TypeError{Type: t, Path: path, Reason: reason}
		typeChecks.Store(t, err)
	} else {
		typeChecks.Store(t, okType{})
	}
	return err
}

func marshals(t reflect.Type) bool {
	for _, m := range marshalerTypes {
		if t.Implements(m) || reflect.PointerTo(t).Implements(m) {
			return true
		}
	}
	return false
}

// walkType returns the path and reason of the first part of t that cannot
// cross, or an empty reason.
func walkType(t reflect.Type, seen map[reflect.Type]bool) (path, reason string) {
	if seen[t] || marshals(t) {
		return "", ""
	}
	seen[t] = true
	switch t.Kind() {
	case reflect.Func:
		return "", "is a func (code can't cross processes; register it with mproc.Register and send its name)"
	case reflect.Chan:
		return "", "is a chan (use an mproc Queue or Pipe instead)"
	case reflect.UnsafePointer:
		return "", "is an unsafe.Pointer (an address means nothing in another process)"
	case reflect.Complex64, reflect.Complex128:
		return "", "is a complex number, which the codec cannot carry inside other values (send [2]float64, or the number alone)"
	case reflect.Pointer, reflect.Slice, reflect.Array:
		p, r := walkType(t.Elem(), seen)
		return elemPath(t) + p, r
	case reflect.Map:
		if p, r := walkType(t.Key(), seen); r != "" {
			return "[key]" + p, r
		}
		p, r := walkType(t.Elem(), seen)
		return "[value]" + p, r
	case reflect.Struct:
		return walkStruct(t, seen)
	}
	return "", ""
}

func elemPath(t reflect.Type) string {
	if t.Kind() == reflect.Pointer {
		return "*"
	}
	return "[]"
}

func walkStruct(t reflect.Type, seen map[reflect.Type]bool) (path, reason string) {
	for i := range t.NumField() {
		f := t.Field(i)
		if f.Anonymous && !f.IsExported() && f.Type.Kind() == reflect.Struct {
			// An embedded unexported struct: its exported fields are
			// promoted and cross; its unexported ones are checked as usual.
			if p, r := walkStruct(f.Type, seen); r != "" {
				return "." + f.Name + p, r
			}
			continue
		}
		if !f.IsExported() && f.Name != "_" {
			return "." + f.Name, fmt.Sprintf("is unexported (type %v); it would be lost on the way: export it or implement encoding.BinaryMarshaler", f.Type)
		}
		if p, r := walkType(f.Type, seen); r != "" {
			return "." + f.Name + p, r
		}
	}
	return "", ""
}

// CheckValue checks what CheckType can't see in v's type: the dynamic types
// held in interfaces, and for recursive types the depth of the value, which
// must stay within the receiver's nesting limit. A value that refers back
// to itself would never end; it is refused too.
func CheckValue(v reflect.Value) error {
	if !v.IsValid() || !needsWalk(v.Type()) {
		return nil
	}
	root := v.Type()
	if v.Kind() == reflect.Interface && !v.IsNil() {
		root = v.Elem().Type()
	}
	w := valueWalk{root: root}
	return w.walk(v, 0, 0)
}

// maxSteps bounds pointer and interface hops, which add no nesting.
const maxSteps = 16 * MaxNesting

type valueWalk struct{ root reflect.Type }

func (w *valueWalk) tooDeep() error {
	return &TypeError{Type: w.root, Reason: fmt.Sprintf("is nested more than %d levels deep, or refers back to itself, and cannot be encoded", MaxNesting)}
}

// walk visits v at the given nesting (containers) and steps (every hop).
func (w *valueWalk) walk(v reflect.Value, nesting, steps int) error {
	if nesting > MaxNesting || steps > maxSteps {
		return w.tooDeep()
	}
	if !v.IsValid() || !needsWalk(v.Type()) {
		return nil
	}
	switch v.Kind() {
	case reflect.Interface, reflect.Pointer:
		if v.IsNil() {
			return nil
		}
		e := v.Elem()
		if v.Kind() == reflect.Interface {
			if err := CheckType(e.Type()); err != nil {
				return err
			}
		}
		return w.walk(e, nesting, steps+1)
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			if err := w.walk(v.Index(i), nesting+1, steps+1); err != nil {
				return err
			}
		}
	case reflect.Map:
		for it := v.MapRange(); it.Next(); {
			if err := w.walk(it.Key(), nesting+1, steps+1); err != nil {
				return err
			}
			if err := w.walk(it.Value(), nesting+1, steps+1); err != nil {
				return err
			}
		}
	case reflect.Struct:
		for i := range v.NumField() {
			if f := v.Type().Field(i); f.IsExported() || f.Anonymous {
				if err := w.walk(v.Field(i), nesting+1, steps+1); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

var walkTypes sync.Map // reflect.Type -> bool

// Scalar reports whether t is a number, a bool or a string: nothing inside
// it to walk, so a message of one needs no look-up of its type (two cache
// look-ups were a tenth of a pipe's round trip for an int).
func Scalar(t reflect.Type) bool {
	k := t.Kind()
	return k >= reflect.Bool && k <= reflect.Complex128 || k == reflect.String
}

// needsWalk reports whether values of t can hold what CheckType can't see:
// interfaces, or (through a recursive type) unbounded depth.
func needsWalk(t reflect.Type) bool {
	if Scalar(t) {
		return false
	}
	if v, ok := walkTypes.Load(t); ok {
		return v.(bool)
	}
	need := hasInterface(t) || reachesRecursive(t)
	walkTypes.Store(t, need)
	return need
}

// reachesRecursive reports whether any type reachable from t is recursive.
func reachesRecursive(t reflect.Type) bool {
	seen := map[reflect.Type]bool{t: true}
	queue := []reflect.Type{t}
	for len(queue) > 0 {
		u := queue[0]
		queue = queue[1:]
		if recursive(u, u, map[reflect.Type]bool{}) {
			return true
		}
		for _, p := range typeParts(u) {
			if !seen[p] {
				seen[p] = true
				queue = append(queue, p)
			}
		}
	}
	return false
}

func typeParts(t reflect.Type) []reflect.Type {
	switch t.Kind() {
	case reflect.Pointer, reflect.Slice, reflect.Array:
		return []reflect.Type{t.Elem()}
	case reflect.Map:
		return []reflect.Type{t.Key(), t.Elem()}
	case reflect.Struct:
		parts := make([]reflect.Type, t.NumField())
		for i := range parts {
			parts[i] = t.Field(i).Type
		}
		return parts
	}
	return nil
}

// recursive reports whether t can reach target again through its parts.
func recursive(t, target reflect.Type, seen map[reflect.Type]bool) bool {
	for _, p := range typeParts(t) {
		if p == target {
			return true
		}
		if !seen[p] {
			seen[p] = true
			if recursive(p, target, seen) {
				return true
			}
		}
	}
	return false
}

var interfaceTypes sync.Map // reflect.Type -> bool

func hasInterface(t reflect.Type) bool {
	if v, ok := interfaceTypes.Load(t); ok {
		return v.(bool)
	}
	has := containsInterface(t, map[reflect.Type]bool{})
	interfaceTypes.Store(t, has)
	return has
}

func containsInterface(t reflect.Type, seen map[reflect.Type]bool) bool {
	if seen[t] {
		return false
	}
	seen[t] = true
	switch t.Kind() {
	case reflect.Interface:
		return true
	case reflect.Pointer, reflect.Slice, reflect.Array:
		return containsInterface(t.Elem(), seen)
	case reflect.Map:
		return containsInterface(t.Key(), seen) || containsInterface(t.Elem(), seen)
	case reflect.Struct:
		for i := range t.NumField() {
			if containsInterface(t.Field(i).Type, seen) {
				return true
			}
		}
	}
	return false
}
