package mproc

import (
	"io"
	"sync"
)

// syncWriter lets the output copiers of several processes share a writer
// that, like most, is not safe for concurrent use.
type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(b []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(b)
}
