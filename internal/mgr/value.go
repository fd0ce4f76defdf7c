package mgr

import (
	"bytes"
	"sync"
)

// valueObj is one value.
type valueObj struct {
	mu sync.Mutex
	v  []byte
}

func (o *valueObj) call(c *Call) ([][]byte, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	a := c.Args
	switch c.Op {
	case OpValueGet:
		return [][]byte{o.v}, nil
	case OpValueSet:
		if len(a) != 1 {
			return nil, bad("set takes one value")
		}
		o.v = clone(a[0])
		return nil, nil
	case OpValueApply:
		if len(a) != 3 {
			return nil, bad("apply takes an operation, a kind and an operand")
		}
		v, err := apply(string(a[0]), a[1], o.v, a[2])
		if err != nil {
			return nil, err
		}
		o.v = v
		return [][]byte{v}, nil
	case OpValueCAS:
		if len(a) != 2 {
			return nil, bad("compare-and-swap takes old and new")
		}
		if !bytes.Equal(o.v, a[0]) {
			return [][]byte{boolb(false)}, nil
		}
		o.v = clone(a[1])
		return [][]byte{boolb(true)}, nil
	}
	return nil, refused(c.Op, "value")
}
