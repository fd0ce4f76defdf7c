package server

import (
	"fmt"
	"strconv"
)

// Model is how a server spreads its connections over goroutines and
// processes. The zero Model is Goroutine().
type Model struct {
	kind    modelKind
	workers int
}

type modelKind uint8

const (
	kindGoroutine modelKind = iota
	kindGoroutinePool
	kindProcess
	kindProcessPool
	kindPrefork
)

var kindNames = [...]string{"goroutine", "goroutine-pool", "process", "process-pool", "prefork"}

// Goroutine serves each connection on a goroutine of its own: the seeds'
// thread per connection, and their gevent coroutines (a goroutine is Go's
// coroutine: every blocking call lets the others run).
func Goroutine() Model { return Model{kind: kindGoroutine} }

// GoroutinePool serves connections on n goroutines (the seeds'
// ThreadPoolExecutor(50)): each accepts, serves its connection to the end,
// and accepts again. Client n+1 waits: the kernel accepts its connection,
// and it is served when one of the n frees.
func GoroutinePool(n int) Model { return Model{kind: kindGoroutinePool, workers: n} }

// Process serves each connection in a child process of its own, for as
// long as the connection lasts (the seeds' Process(target=talk,
// args=(conn,))): the accepted socket is passed to a child, which runs the
// handler on it. There is no bound on how many connections are served at
// once; a connection that finds no idle child gets one started for it,
// from warm spares (mproc.WarmSpares; see WithSpares), so a start costs a
// message to a waiting process rather than an exec.
//
// A child whose connection ended waits for the next one, as Apache's
// prefork keeps spare servers, so that a connection costs a message rather
// than a process; at most WithSpares's count wait, the others end. A
// reused child keeps what earlier connections left in it: package-level
// variables the handler changed, goroutines it left running, files it left
// open, as the goroutine models and Prefork's workers do. The handler's
// ctx, its net.Conn and its room seats are its connection's alone. For a
// new process per connection, as the seeds' (isolation, or a handler that
// leaks), use WithFreshChildren.
//
// In a child the handler's net.Conn is a *net.TCPConn wrapped so that its
// Read and Write cost fewer context switches; the TCPConn's other methods
// (CloseWrite, SetNoDelay, ...) are there, but a type assertion to
// *net.TCPConn fails: assert an interface such as interface{ CloseWrite()
// error } instead.
func Process() Model { return Model{kind: kindProcess} }

// ProcessPool serves connections in a pool of n worker processes (the
// seeds' Pool(4) with apply_async(talk, (conn,))): each worker serves one
// connection at a time, to its end. Client n+1 waits until one of the
// first n leaves. A worker that dies is replaced; only its client is cut
// off. The handler's net.Conn is wrapped as in Process.
func ProcessPool(n int) Model { return Model{kind: kindProcessPool, workers: n} }

// Prefork starts n worker processes that accept connections themselves,
// each serving its connections on goroutines. By default every worker
// accepts on the server's listener, which it inherits; with WithReusePort
// each binds a listener of its own to the same address (SO_REUSEPORT), and
// the kernel spreads connections over them. A worker that dies is replaced;
// its connections are lost with it.
func Prefork(n int) Model { return Model{kind: kindPrefork, workers: n} }

// ParseModel returns the Model called name ("goroutine", "goroutine-pool",
// "process", "process-pool" or "prefork"), with n workers for the models
// that have them.
func ParseModel(name string, n int) (Model, error) {
	for k, s := range kindNames {
		if s == name {
			m := Model{kind: modelKind(k), workers: n}
			if !m.pooled() {
				m.workers = 0
			}
			return m, m.check()
		}
	}
	return Model{}, fmt.Errorf("server: unknown model %q (goroutine, goroutine-pool, process, process-pool, prefork)", name)
}

// String names the model as ParseModel takes it, with its workers:
// "process-pool(4)".
func (m Model) String() string {
	if m.pooled() {
		return kindNames[m.kind] + "(" + strconv.Itoa(m.workers) + ")"
	}
	return kindNames[m.kind]
}

func (m Model) pooled() bool {
	return m.kind == kindGoroutinePool || m.kind == kindProcessPool || m.kind == kindPrefork
}

func (m Model) check() error {
	if int(m.kind) >= len(kindNames) {
		return fmt.Errorf("server: invalid model %d", m.kind)
	}
	if m.pooled() && m.workers < 1 {
		return fmt.Errorf("server: model %s needs at least one worker, not %d", kindNames[m.kind], m.workers)
	}
	return nil
}

// inProcess says whether handlers run in this process.
func (m Model) inProcess() bool { return m.kind == kindGoroutine || m.kind == kindGoroutinePool }
