package manager

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"time"

	"mproc"
	"mproc/connection"
	"mproc/internal/auth"
	"mproc/internal/mgr"
)

// Manager is a server process that holds objects for other processes
// (CPython's SyncManager): dicts, lists and namespaces, and values, queues
// and sync objects, each reached through a proxy that any process, local
// or remote, may use at once. Proxies are ordinary arguments to child
// processes and may be stored inside other managed containers.
//
// Local clients reach the manager over a Unix socket and then over shared
// memory; remote ones over TCP, with the auth key's handshake. Objects live
// as long as the manager.
//
// The zero Manager is not usable: get one from Start or Connect.
type Manager struct {
	network, addr string
	proc          *mproc.Proc[mproc.None] // the server, when this process started it
	cl            *client
}

type serverArgs struct {
	Network, Addr string
	Key           []byte
	Ready         *mproc.Event
}

// serverFunc is the manager's process: it listens, says so, and serves.
var serverFunc = mproc.Register[serverArgs, mproc.None]("mproc.manager", func(ctx context.Context, a serverArgs) error {
	l, err := connection.Listen(a.Network, a.Addr, connection.WithAuthKey(a.Key))
	if err != nil {
		return err
	}
	a.Ready.Set()
	return Serve(ctx, l)
})

// Start starts a manager in a child process and connects to it (CPython's
// Manager() and SyncManager.start). The child ends with this process, or
// at Shutdown.
func Start(ctx context.Context, opts ...Option) (*Manager, error) {
	cfg := config{network: "unix"}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.addr == "" && cfg.network == "unix" {
		var b [8]byte
		rand.Read(b[:])
		cfg.addr = fmt.Sprintf("@mproc-manager-%d-%s", os.Getpid(), hex.EncodeToString(b[:]))
	}
	if cfg.key.IsZero() {
		cfg.key = auth.NewKey(mproc.Current().AuthKey())
	}
	ready, err := mproc.NewEvent()
	if err != nil {
		return nil, err
	}
	p, err := serverFunc.Start(ctx, serverArgs{Network: cfg.network, Addr: cfg.addr, Key: cfg.key.Bytes(), Ready: ready},
		mproc.WithName("SyncManager"), mproc.WithDaemon(true))
	if err != nil {
		return nil, err
	}
	if err := awaitServer(ctx, p, ready); err != nil {
		p.Kill()
		p.Join(context.WithoutCancel(ctx))
		return nil, err
	}
	m := &Manager{network: cfg.network, addr: cfg.addr, proc: p, cl: clientFor(cfg.network, cfg.addr, cfg.key.Bytes())}
	if err := m.ping(ctx); err != nil {
		m.Shutdown(context.WithoutCancel(ctx))
		return nil, err
	}
	return m, nil
}

// awaitServer waits until the manager listens, or its process ends.
func awaitServer(ctx context.Context, p *mproc.Proc[mproc.None], ready *mproc.Event) error {
	ended := make(chan error, 1)
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() { _, err := p.Wait(wctx); ended <- err }()
	if err := ready.Wait(wctx); err == nil {
		return nil
	}
	select {
	case err := <-ended:
		if err == nil {
			err = errors.New("ended")
		}
		return fmt.Errorf("manager: the manager did not start: %w", err)
	case <-ctx.Done():
		return fmt.Errorf("manager: the manager did not start: %w", ctx.Err())
	}
}

// Connect connects to a manager started elsewhere, by Start or Serve in
// another process, maybe on another machine (CPython's
// BaseManager.connect). A wrong key gives an error matching
// mproc.ErrAuthentication, a manager that can't be reached one matching
// ErrGone.
func Connect(ctx context.Context, network, address string, authKey []byte) (*Manager, error) {
	m := &Manager{network: network, addr: address, cl: clientFor(network, address, authKey)}
	if err := m.ping(ctx); err != nil {
		return nil, err
	}
	return m, nil
}

func (m *Manager) ping(ctx context.Context) error {
	_, err := m.cl.call(ctx, &mgr.Request{Op: mgr.OpPing})
	return err
}

// Network is the network the manager listens on: "unix" or "tcp".
func (m *Manager) Network() string { return m.network }

// Addr is the address the manager listens on.
func (m *Manager) Addr() string { return m.addr }

// Shutdown stops the manager, whether this process started it or
// connected to it (CPython's shutdown): its objects are gone, and their
// proxies get ErrGone or ErrNoObject from then on. For a manager this
// process started, it also waits for the server process to end, killing it
// if it has not ended within 5 seconds or when ctx ends.
func (m *Manager) Shutdown(ctx context.Context) error {
	_, err := m.cl.call(ctx, &mgr.Request{Op: mgr.OpShutdown})
	m.cl.closeIdle()
	if m.proc == nil {
		return err
	}
	jctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if m.proc.Join(jctx) != nil {
		m.proc.Kill()
		return m.proc.Join(context.WithoutCancel(ctx))
	}
	return nil
}

// Close closes this process's idle connections to the manager, which goes
// on serving others (and this process too: a later call connects again).
// It does not stop the manager: Shutdown does. Locks this process holds
// there are released when its last connection ends, as when it dies.
func (m *Manager) Close() error {
	m.cl.closeIdle()
	return nil
}

// Process is the manager's process when this process started it, else nil.
func (m *Manager) Process() *mproc.Proc[mproc.None] { return m.proc }

// create makes an object in the manager.
func (m *Manager) create(ctx context.Context, kind string, args ...[]byte) (proxyRef, error) {
	if m == nil || m.cl == nil {
		return proxyRef{}, errors.New("manager: use of a Manager not made by Start or Connect")
	}
	vals, err := m.cl.call(ctx, &mgr.Request{Op: mgr.OpCreate, Args: append([][]byte{[]byte(kind)}, args...)})
	if err != nil {
		return proxyRef{}, err
	}
	id, err := u64Val(vals)
	return proxyRef{cl: m.cl, id: id}, err
}
