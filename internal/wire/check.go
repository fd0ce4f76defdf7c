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
		if !f.IsExported() && f.Name != "_" {
			return "." + f.Name, fmt.Sprintf("is unexported (type %v); it would be lost on the way: export it or implement encoding.BinaryMarshaler", f.Type)
		}
		if p, r := walkType(f.Type, seen); r != "" {
			return "." + f.Name + p, r
		}
	}
	return "", ""
}

// CheckValue checks the dynamic types held in interfaces inside v, which
// CheckType can't see. It is only walked for types that contain interfaces.
func CheckValue(v reflect.Value) error {
	if !hasInterface(v.Type()) {
		return nil
	}
	return walkValue(v, 0)
}

const maxWalkDepth = 64

func walkValue(v reflect.Value, depth int) error {
	if depth > maxWalkDepth || !v.IsValid() {
		return nil
	}
	switch v.Kind() {
	case reflect.Interface:
		if v.IsNil() {
			return nil
		}
		e := v.Elem()
		if err := CheckType(e.Type()); err != nil {
			return err
		}
		return walkValue(e, depth+1)
	case reflect.Pointer:
		if v.IsNil() {
			return nil
		}
		return walkValue(v.Elem(), depth+1)
	case reflect.Slice, reflect.Array:
		if !hasInterface(v.Type().Elem()) {
			return nil
		}
		for i := range v.Len() {
			if err := walkValue(v.Index(i), depth+1); err != nil {
				return err
			}
		}
	case reflect.Map:
		for it := v.MapRange(); it.Next(); {
			if err := walkValue(it.Key(), depth+1); err != nil {
				return err
			}
			if err := walkValue(it.Value(), depth+1); err != nil {
				return err
			}
		}
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				if err := walkValue(v.Field(i), depth+1); err != nil {
					return err
				}
			}
		}
	}
	return nil
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
