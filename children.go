package mproc

import (
	"slices"
	"sync"
)

// childSet holds the processes this one started that have not yet ended.
type childSet struct {
	mu  sync.Mutex
	set map[*Process]struct{}
}

var children = childSet{set: map[*Process]struct{}{}}

func (s *childSet) add(p *Process) {
	s.mu.Lock()
	s.set[p] = struct{}{}
	s.mu.Unlock()
}

func (s *childSet) remove(p *Process) {
	s.mu.Lock()
	delete(s.set, p)
	s.mu.Unlock()
}

func (s *childSet) list() []*Process {
	s.mu.Lock()
	out := make([]*Process, 0, len(s.set))
	for p := range s.set {
		out = append(out, p)
	}
	s.mu.Unlock()
	slices.SortFunc(out, func(a, b *Process) int { return int(a.seq) - int(b.seq) })
	return out
}

// ActiveChildren returns the children of this process that have started and
// not yet ended, in the order they started. Ended children are reaped
// automatically, joined or not, so none of them is ever a zombie.
func ActiveChildren() []*Process { return children.list() }
