package server

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
)

// Event is something that happened to a server's connection or worker;
// see WithEvents.
type Event struct {
	Kind   EventKind
	Conn   uint64 // the connection's number, from 1 in the order the server learnt of it; 0 for a worker's event
	Remote string // the client's address
	Pid    int    // the process serving the connection, or the worker's
	Err    error
}

func (e Event) String() string {
	s := e.Kind.String()
	if e.Conn != 0 {
		s = fmt.Sprintf("conn %d (%s) %s", e.Conn, e.Remote, s)
	}
	if e.Pid != 0 {
		s += fmt.Sprintf(" pid %d", e.Pid)
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// emitter delivers events to the observers, one at a time.
type emitter struct {
	mu        sync.Mutex
	observers []func(Event)
	logger    *slog.Logger
}

// active says whether anyone listens: prefork workers report their
// connections only then.
func (m *emitter) active() bool { return len(m.observers) > 0 || m.logger != nil }

func (m *emitter) emit(e Event) {
	if !m.active() {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, fn := range m.observers {
		fn(e)
	}
	if m.logger != nil {
		m.log(e)
	}
}

func (m *emitter) log(e Event) {
	level := slog.LevelDebug
	switch {
	case e.Err != nil:
		level = slog.LevelWarn
	case e.Conn == 0:
		level = slog.LevelInfo
	}
	var attrs []slog.Attr
	if e.Pid != 0 {
		attrs = append(attrs, slog.Int("pid", e.Pid))
	}
	if e.Conn != 0 {
		attrs = append(attrs, slog.Uint64("conn", e.Conn), slog.String("remote", e.Remote))
	}
	if e.Err != nil {
		attrs = append(attrs, slog.String("err", e.Err.Error()))
	}
	m.logger.LogAttrs(context.Background(), level, "server: "+e.Kind.String(), attrs...)
}
