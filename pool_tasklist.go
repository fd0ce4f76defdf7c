package mproc

import "iter"

// taskList is a worker's tasks in flight, oldest first. It is a ring
// buffer: results come back in order, and taking the first task off a
// slice copied all the others (through the GC's write barriers) for every
// result.
type taskList struct {
	buf  []*execTask // a power of two long, or nil
	head int         // where the oldest is
	n    int
}

func (l *taskList) len() int { return l.n }

// slot is the index in buf of the i-th oldest.
func (l *taskList) slot(i int) int { return (l.head + i) & (len(l.buf) - 1) }

func (l *taskList) push(t *execTask) {
	if l.n == len(l.buf) {
		buf := make([]*execTask, max(8, 2*len(l.buf)))
		for i := range l.n {
			buf[i] = l.buf[l.slot(i)]
		}
		l.buf, l.head = buf, 0
	}
	l.buf[l.slot(l.n)] = t
	l.n++
}

// find returns the task with id, or nil, looking at the oldest first.
func (l *taskList) find(id uint64) *execTask {
	for i := range l.n {
		if t := l.buf[l.slot(i)]; t.id == id {
			return t
		}
	}
	return nil
}

// remove drops t. The oldest (nearly always the one) goes at once; another
// has those older than it move up one place.
func (l *taskList) remove(t *execTask) {
	for i := range l.n {
		if l.buf[l.slot(i)] != t {
			continue
		}
		for j := i; j > 0; j-- {
			l.buf[l.slot(j)] = l.buf[l.slot(j-1)]
		}
		l.buf[l.head] = nil
		l.head = l.slot(1)
		l.n--
		return
	}
}

// all yields the tasks, oldest first.
func (l *taskList) all() iter.Seq[*execTask] {
	return func(yield func(*execTask) bool) {
		for i := range l.n {
			if !yield(l.buf[l.slot(i)]) {
				return
			}
		}
	}
}

// reset empties the list.
func (l *taskList) reset() {
	clear(l.buf)
	l.head, l.n = 0, 0
}
