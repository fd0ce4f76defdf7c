package manager_test

import (
	"context"
	"errors"
	"mproc/internal/testmain"
	"testing"
	"time"

	"mproc"
	"mproc/connection"
	"mproc/manager"
)

type serveArg struct {
	Addr string // "127.0.0.1:0" for any port
	Key  []byte
	Out  *mproc.Queue[string] // the address it listens on
}

// mgrServe runs a manager in the child on a TCP address.
var mgrServe = mproc.Register[serveArg, mproc.None]("test.mgr.serve", func(ctx context.Context, a serveArg) error {
	l, err := connection.Listen("tcp", a.Addr, connection.WithAuthKey(a.Key))
	if err != nil {
		return err
	}
	if err := a.Out.Put(ctx, l.Addr().String()); err != nil {
		return err
	}
	return manager.Serve(ctx, l)
})

// A manager served over TCP by another process: the right key connects, a
// wrong one gets ErrAuthentication; when the server dies its clients get
// ErrGone at once, and a new server on the same address takes them
// again (their old objects are gone: ErrNoObject).
func TestManagerRemote(t *testing.T) {
	testmain.NoChildLeft(t)
	ctx := ctxTimeout(t, 60*time.Second)
	key := []byte("remote key")
	addrs := newQueue[string](t, 0)
	first := testmain.StartChild(t, ctx, mgrServe, serveArg{"127.0.0.1:0", key, addrs})
	addr, err := addrs.Get(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := manager.Connect(ctx, "tcp", addr, []byte("wrong key")); !errors.Is(err, mproc.ErrAuthentication) {
		t.Fatalf("a wrong key: %v, want ErrAuthentication", err)
	}
	m, err := manager.Connect(ctx, "tcp", addr, key)
	if err != nil {
		t.Fatal(err)
	}
	d := must(manager.NewDict(ctx, m, map[string]int{"a": 1}))(t)
	if v := must(d.Add(ctx, "a", 41))(t); v != 42 {
		t.Fatalf("add over TCP: %d", v)
	}
	// A child reaches the same dict, given the manager's key.
	waitOK(t, ctx, testmain.StartChild(t, ctx, mgrRemoteChild, remoteArg{d, key}))
	if v := must(d.Get(ctx, "child"))(t); v != 7 {
		t.Fatalf("the child's item: %d", v)
	}
	// The server dies: calls fail at once, without hanging.
	first.Kill()
	first.Join(ctx)
	start := time.Now()
	if _, err := d.Get(ctx, "a"); !errors.Is(err, manager.ErrGone) {
		t.Fatalf("a call to a dead manager: %v, want ErrGone", err)
	}
	if _, err := d.Get(ctx, "a"); !errors.Is(err, manager.ErrGone) {
		t.Fatalf("the next call to a dead manager: %v, want ErrGone", err)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Fatalf("calls to a dead manager took %v", took)
	}
	// A new manager on the same address.
	second := testmain.StartChild(t, ctx, mgrServe, serveArg{addr, key, addrs})
	if got, err := addrs.Get(ctx); err != nil || got != addr {
		t.Fatalf("the second server listens on %q (%v), want %q", got, err, addr)
	}
	if _, err := d.Get(ctx, "a"); !errors.Is(err, manager.ErrNoObject) {
		t.Fatalf("an object of the dead manager, on the new one: %v, want ErrNoObject", err)
	}
	m2, err := manager.Connect(ctx, "tcp", addr, key)
	if err != nil {
		t.Fatal(err)
	}
	l := must(manager.NewList(ctx, m2, []string{"again"}))(t)
	if v := must(l.Get(ctx, 0))(t); v != "again" {
		t.Fatalf("the new manager: %q", v)
	}
	if err := m2.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	waitOK(t, ctx, second)
}

type remoteArg struct {
	D   *manager.Dict[string, int]
	Key []byte
}

// mgrRemoteChild is given a proxy of a manager that is not its parent's
// child: it connects with the key first, then uses the proxy.
var mgrRemoteChild = mproc.Register[remoteArg, mproc.None]("test.mgr.remotechild", func(ctx context.Context, a remoteArg) error {
	m, err := manager.Connect(ctx, "tcp", a.D.Addr(), a.Key)
	if err != nil {
		return err
	}
	defer m.Close()
	return a.D.Set(ctx, "child", 7)
})
