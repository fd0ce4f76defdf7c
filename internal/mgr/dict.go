package mgr

import (
	"bytes"
	"sync"
)

// dictObj is a dict (or a namespace): keys in the order first set, as
// Python's dicts keep them.
type dictObj struct {
	mu    sync.Mutex
	index map[string]int // key -> position in entries
	ents  []entry
	dead  int // deleted entries still in ents
}

type entry struct {
	key  string
	val  []byte
	live bool
}

func newDict(args [][]byte) (*dictObj, error) {
	d := &dictObj{index: map[string]int{}}
	if len(args)%2 != 0 {
		return nil, bad("a dict's initial items come in pairs")
	}
	for i := 0; i < len(args); i += 2 {
		d.set(string(args[i]), clone(args[i+1]))
	}
	return d, nil
}

func (d *dictObj) set(k string, v []byte) {
	if i, ok := d.index[k]; ok {
		d.ents[i].val = v
		return
	}
	d.index[k] = len(d.ents)
	d.ents = append(d.ents, entry{k, v, true})
}

func (d *dictObj) get(k string) ([]byte, bool) {
	i, ok := d.index[k]
	if !ok {
		return nil, false
	}
	return d.ents[i].val, true
}

func (d *dictObj) delete(k string) ([]byte, bool) {
	i, ok := d.index[k]
	if !ok {
		return nil, false
	}
	v := d.ents[i].val
	delete(d.index, k)
	d.ents[i] = entry{}
	if d.dead++; d.dead > 16 && d.dead > len(d.ents)/2 {
		d.compact()
	}
	return v, true
}

func (d *dictObj) compact() {
	live := d.ents[:0]
	for _, e := range d.ents {
		if e.live {
			d.index[e.key] = len(live)
			live = append(live, e)
		}
	}
	clear(d.ents[len(live):])
	d.ents, d.dead = live, 0
}

func (d *dictObj) call(c *Call) ([][]byte, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	a := c.Args
	need := func(n int) error {
		if len(a) != n {
			return bad("%d arguments, want %d", len(a), n)
		}
		return nil
	}
	switch c.Op {
	case OpDictGet:
		if err := need(1); err != nil {
			return nil, err
		}
		v, ok := d.get(string(a[0]))
		if !ok {
			return nil, ErrKey
		}
		return [][]byte{v}, nil
	case OpDictSet:
		if err := need(2); err != nil {
			return nil, err
		}
		d.set(string(a[0]), clone(a[1]))
		return nil, nil
	case OpDictDelete, OpDictPop:
		if err := need(1); err != nil {
			return nil, err
		}
		v, ok := d.delete(string(a[0]))
		if !ok {
			return nil, ErrKey
		}
		return [][]byte{v}, nil
	case OpDictLen:
		return [][]byte{u64b(uint64(len(d.index)))}, nil
	case OpDictKeys, OpDictItems:
		return d.list(c.Op == OpDictItems), nil
	case OpDictUpdate:
		if len(a)%2 != 0 {
			return nil, bad("update's items come in pairs")
		}
		for i := 0; i < len(a); i += 2 {
			d.set(string(a[i]), clone(a[i+1]))
		}
		return nil, nil
	case OpDictClear:
		clear(d.index)
		d.ents, d.dead = nil, 0
		return nil, nil
	case OpDictSetDefault:
		if err := need(2); err != nil {
			return nil, err
		}
		v, ok := d.get(string(a[0]))
		if !ok {
			v = clone(a[1])
			d.set(string(a[0]), v)
		}
		return [][]byte{v}, nil
	case OpDictContains:
		if err := need(1); err != nil {
			return nil, err
		}
		_, ok := d.index[string(a[0])]
		return [][]byte{boolb(ok)}, nil
	case OpDictApply:
		if err := need(4); err != nil {
			return nil, err
		}
		cur, _ := d.get(string(a[0]))
		v, err := apply(string(a[1]), a[2], cur, a[3])
		if err != nil {
			return nil, err
		}
		d.set(string(a[0]), v)
		return [][]byte{v}, nil
	case OpDictCAS:
		if len(a) != 3 && len(a) != 4 {
			return nil, bad("%d arguments to compare-and-swap", len(a))
		}
		cur, ok := d.get(string(a[0]))
		absent := len(a) == 4 && len(a[3]) == 1 && a[3][0] == 1 // swap only if the key is missing
		if absent && ok || !absent && (!ok || !bytes.Equal(cur, a[1])) {
			return [][]byte{boolb(false)}, nil
		}
		d.set(string(a[0]), clone(a[2]))
		return [][]byte{boolb(true)}, nil
	}
	return nil, refused(c.Op, "dict")
}

// list returns the keys, or keys and values, in order.
func (d *dictObj) list(items bool) [][]byte {
	out := make([][]byte, 0, len(d.index)*2)
	for _, e := range d.ents {
		if !e.live {
			continue
		}
		out = append(out, []byte(e.key))
		if items {
			out = append(out, e.val)
		}
	}
	return out
}
