package mproc

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"time"

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
type Manager struct {
	network, addr string
	proc          *Proc[None] // the server, when this process started it
	cl            *mgrClient
}

// ManagerOption configures StartManager.
type ManagerOption func(*managerConfig)

type managerConfig struct {
	network, addr string
	key           []byte
}

// WithManagerAddress sets where the manager listens: a Unix socket path
// ("@name" for Linux's abstract namespace) or a TCP "host:port". The
// default is a fresh abstract Unix socket.
func WithManagerAddress(network, address string) ManagerOption {
	return func(c *managerConfig) { c.network, c.addr = network, address }
}

// WithManagerAuthKey sets the key clients must prove they hold (default:
// this process's auth key, which its children inherit).
func WithManagerAuthKey(key []byte) ManagerOption {
	return func(c *managerConfig) { c.key = append([]byte(nil), key...) }
}

type managerArgs struct {
	Network, Addr string
	Key           []byte
	Ready         *Event
}

var managerFunc = Register[managerArgs, None]("mproc.manager", func(ctx context.Context, a managerArgs) error {
	l, err := Listen(a.Network, a.Addr, a.Key)
	if err != nil {
		return err
	}
	a.Ready.Set()
	return ServeManager(ctx, l)
})

// StartManager starts a manager in a child process and connects to it
// (CPython's Manager() and SyncManager.start). The child ends with this
// process, or at Shutdown.
func StartManager(ctx context.Context, opts ...ManagerOption) (*Manager, error) {
	cfg := managerConfig{network: "unix"}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.addr == "" && cfg.network == "unix" {
		var b [8]byte
		rand.Read(b[:])
		cfg.addr = fmt.Sprintf("@mproc-manager-%d-%s", os.Getpid(), hex.EncodeToString(b[:]))
	}
	if cfg.key == nil {
		cfg.key = Current().AuthKey()
	}
	ready, err := NewEvent()
	if err != nil {
		return nil, err
	}
	p, err := managerFunc.Start(ctx, managerArgs{Network: cfg.network, Addr: cfg.addr, Key: cfg.key, Ready: ready},
		WithName("SyncManager"), WithDaemon(true))
	if err != nil {
		return nil, err
	}
	if err := awaitManager(ctx, p, ready); err != nil {
		p.Kill()
		p.Join(context.WithoutCancel(ctx))
		return nil, err
	}
	m := &Manager{network: cfg.network, addr: cfg.addr, proc: p, cl: clientFor(cfg.network, cfg.addr, cfg.key)}
	if err := m.ping(ctx); err != nil {
		m.Shutdown(ctx)
		return nil, err
	}
	return m, nil
}

// awaitManager waits until the manager listens, or its process ends.
func awaitManager(ctx context.Context, p *Proc[None], ready *Event) error {
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
		return fmt.Errorf("mproc: the manager did not start: %w", err)
	case <-ctx.Done():
		return ctx.Err()
	}
}

// ConnectManager connects to a manager started elsewhere, by StartManager
// or ServeManager in another process, maybe on another machine (CPython's
// BaseManager.connect). A wrong key gives ErrAuthentication.
func ConnectManager(ctx context.Context, network, address string, authKey []byte) (*Manager, error) {
	m := &Manager{network: network, addr: address, cl: clientFor(network, address, authKey)}
	if err := m.ping(ctx); err != nil {
		return nil, err
	}
	return m, nil
}

// ServeManager runs a manager in this process on l, until ctx ends or a
// client calls Shutdown (CPython's get_server().serve_forever()); l's auth
// key is the manager's. It closes l.
func ServeManager(ctx context.Context, l *Listener) error { return serveManager(ctx, l) }

func (m *Manager) ping(ctx context.Context) error {
	_, err := m.cl.call(ctx, &mgr.Request{Op: mgr.OpPing})
	return err
}

// Network and Addr are where the manager listens.
func (m *Manager) Network() string { return m.network }
func (m *Manager) Addr() string    { return m.addr }

// Shutdown stops the manager, which may be one this process started, or
// one it connected to: its objects are gone, and their proxies get
// ErrManagerGone or ErrNoObject. For a manager this process started, it
// waits for the process to end (killing it if it does not).
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
// on serving others.
func (m *Manager) Close() { m.cl.closeIdle() }

// Process is the manager's process, when this process started it.
func (m *Manager) Process() *Proc[None] { return m.proc }

// create makes an object in the manager.
func (m *Manager) create(ctx context.Context, kind string, args ...[]byte) (proxyRef, error) {
	if m == nil || m.cl == nil {
		return proxyRef{}, errors.New("mproc: use of a Manager not made by StartManager or ConnectManager")
	}
	vals, err := m.cl.call(ctx, &mgr.Request{Op: mgr.OpCreate, Args: append([][]byte{[]byte(kind)}, args...)})
	if err != nil {
		return proxyRef{}, err
	}
	id, err := u64Val(vals)
	return proxyRef{cl: m.cl, id: id}, err
}
