package mgr

import (
	"bytes"
	"sync"
)

// listObj is a list.
type listObj struct {
	mu    sync.Mutex
	items [][]byte
}

func newList(args [][]byte) (*listObj, error) {
	l := &listObj{}
	for _, a := range args {
		l.items = append(l.items, clone(a))
	}
	return l, nil
}

// at resolves a Python index (negative counts from the end); ok is false
// when it is out of range.
func (l *listObj) at(i int64, n int) (int, bool) {
	if i < 0 {
		i += int64(n)
	}
	return int(i), i >= 0 && i < int64(n)
}

// clamp resolves a slice bound as Python does.
func clamp(i int64, n int) int {
	if i < 0 {
		i += int64(n)
	}
	return int(max(0, min(i, int64(n))))
}

func (l *listObj) call(c *Call) ([][]byte, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	a := c.Args
	index := func() (int, error) {
		i, err := argI64(a, 0)
		if err != nil {
			return 0, err
		}
		k, ok := l.at(i, len(l.items))
		if !ok {
			return 0, ErrIndex
		}
		return k, nil
	}
	switch c.Op {
	case OpListGet, OpListSet, OpListPop, OpListDelete:
		k, err := index()
		if err != nil {
			return nil, err
		}
		v := l.items[k]
		switch c.Op {
		case OpListSet:
			if len(a) != 2 {
				return nil, bad("set takes an index and a value")
			}
			l.items[k] = clone(a[1])
			return nil, nil
		case OpListPop, OpListDelete:
			l.items = append(l.items[:k], l.items[k+1:]...)
		}
		return [][]byte{v}, nil
	case OpListLen:
		return [][]byte{u64b(uint64(len(l.items)))}, nil
	case OpListAppend, OpListExtend:
		for _, v := range a {
			l.items = append(l.items, clone(v))
		}
		return nil, nil
	case OpListIndex, OpListRemove:
		if len(a) != 1 {
			return nil, bad("one value to look for")
		}
		for k, v := range l.items {
			if bytes.Equal(v, a[0]) {
				if c.Op == OpListRemove {
					l.items = append(l.items[:k], l.items[k+1:]...)
					return nil, nil
				}
				return [][]byte{u64b(uint64(k))}, nil
			}
		}
		return nil, ErrKey
	case OpListSlice:
		i, err := argI64(a, 0)
		if err != nil {
			return nil, err
		}
		j, err := argI64(a, 1)
		if err != nil {
			return nil, err
		}
		from, to := clamp(i, len(l.items)), clamp(j, len(l.items))
		if from >= to {
			return [][]byte{}, nil
		}
		return append([][]byte(nil), l.items[from:to]...), nil
	case OpListInsert:
		i, err := argI64(a, 0)
		if err != nil || len(a) != 2 {
			return nil, bad("insert takes an index and a value")
		}
		k := clamp(i, len(l.items)) // Python's insert clamps too
		l.items = append(l.items[:k], append([][]byte{clone(a[1])}, l.items[k:]...)...)
		return nil, nil
	case OpListClear:
		l.items = nil
		return nil, nil
	}
	return nil, refused(c.Op, "list")
}
