package mproc

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"mproc/internal/auth"
)

// Listener accepts connections on a Unix socket path or a TCP address
// (CPython's multiprocessing.connection.Listener). With an auth key, every
// connection first passes CPython's handshake both ways (HMAC-SHA256 over a
// random challenge): a peer with another key gets ErrAuthentication, on
// both sides, before any message.
//
// It uses the system calls directly rather than the net package, which
// would link every mproc program dynamically and slow each child's start.
// So TCP addresses are IP addresses, "localhost", or empty (all addresses).
type Listener struct {
	f       *os.File
	network string
	addr    string
	key     auth.Key // zero: no authentication
	// handshake bounds each connection's handshake in Accept:
	// handshakeTimeout (tests shorten it).
	handshake time.Duration
	path      string // the Unix socket file this listener made, removed at Close
}

// Listen listens on address: a path (network "unix"; "@name" is Linux's
// abstract namespace) or "host:port" (network "tcp", "tcp4", "tcp6"; port 0
// picks one). authKey nil means no authentication, as in CPython. Listening
// on an address in use is an error. A socket file is made with mode 0600,
// whatever the umask: only its owner (and root) may connect.
func Listen(network, address string, authKey []byte) (*Listener, error) {
	sa, family, err := sockaddr(network, address, true)
	if err != nil {
		return nil, err
	}
	fd, err := unix.Socket(family, unix.SOCK_STREAM|unix.SOCK_CLOEXEC|unix.SOCK_NONBLOCK, 0)
	if err != nil {
		return nil, os.NewSyscallError("socket", err)
	}
	if family != unix.AF_UNIX {
		unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEADDR, 1) // not SO_REUSEPORT: a second Listen must fail
	}
	path := ""
	if family == unix.AF_UNIX && !strings.HasPrefix(address, "@") {
		path = address
		// Linux makes the socket file with the socket's own mode less the
		// umask, so after this fchmod it is born 0600 or less: there is no
		// moment at which another user may open it.
		unix.Fchmod(fd, 0o600)
	}
	if err := unix.Bind(fd, sa); err != nil {
		unix.Close(fd)
		return nil, &os.PathError{Op: "listen", Path: address, Err: err}
	}
	// Exactly 0600 whatever the umask (one with owner bits, 0700 say,
	// would shut the owner out too). Before listen nobody can connect, so
	// this leaves no window either. (An abstract "@name" has no file and no mode: the auth key is
	// all that guards it.)
	if path != "" {
		if err := unix.Chmod(path, 0o600); err != nil {
			unix.Close(fd)
			os.Remove(path)
			return nil, &os.PathError{Op: "listen", Path: address, Err: err}
		}
	}
	if err := unix.Listen(fd, unix.SOMAXCONN); err != nil {
		unix.Close(fd)
		if path != "" {
			os.Remove(path)
		}
		return nil, os.NewSyscallError("listen", err)
	}
	l := &Listener{f: os.NewFile(uintptr(fd), "mproc-listener"), network: network, key: auth.NewKey(authKey), handshake: handshakeTimeout}
	l.path = path
	l.addr = address
	if bound, err := unix.Getsockname(fd); err == nil {
		l.addr = addrString(bound, address)
	}
	return l, nil
}

// Addr is the address the listener is on (with the port chosen, for port 0).
func (l *Listener) Addr() string { return l.addr }

// Accept waits for a connection and authenticates it. A peer that fails the
// handshake, or does not finish it within 10 seconds, is hung up on and
// Accept returns ErrAuthentication; call it again for the next connection.
func (l *Listener) Accept(ctx context.Context) (*Conn, error) {
	rc, err := l.f.SyscallConn()
	if err != nil {
		return nil, ErrClosed
	}
	defer deadline(ctx, l.f.SetReadDeadline)()
	var nfd int
	var aerr error
	if err := rc.Read(func(fd uintptr) bool {
		nfd, _, aerr = unix.Accept4(int(fd), unix.SOCK_CLOEXEC|unix.SOCK_NONBLOCK)
		return aerr != unix.EAGAIN
	}); err != nil {
		if errors.Is(err, os.ErrClosed) {
			return nil, ErrClosed
		}
		return nil, ctxErr(ctx, err)
	}
	if aerr != nil {
		return nil, os.NewSyscallError("accept", aerr)
	}
	c, err := newSocketConn(nfd, l.network == "unix")
	if err != nil {
		return nil, err
	}
	if !l.key.IsZero() {
		ctx, cancel := context.WithTimeout(ctx, l.handshake)
		defer cancel()
		h := handshake{ctx, c.t.(*sockTransport)}
		err := auth.Challenge(h, l.key.Bytes())
		if err == nil {
			err = auth.Answer(h, l.key.Bytes())
		}
		if err != nil {
			c.Close()
			return nil, err
		}
	}
	return c, nil
}

// handshakeTimeout bounds a handshake in Accept, which serves one peer at
// a time: a peer that connects and then says nothing must not stop the
// listener from accepting everyone else (a manager's clients, say).
const handshakeTimeout = 10 * time.Second

// Close stops listening; a Unix socket file it made is removed. Accepted
// connections stay open.
func (l *Listener) Close() error {
	err := l.f.Close()
	if l.path != "" {
		os.Remove(l.path)
		l.path = ""
	}
	return err
}

// Dial connects to a Listener and authenticates with authKey (nil: none),
// answering the listener's challenge and then challenging it (CPython's
// Client).
func Dial(ctx context.Context, network, address string, authKey []byte) (*Conn, error) {
	sa, family, err := sockaddr(network, address, false)
	if err != nil {
		return nil, err
	}
	fd, err := unix.Socket(family, unix.SOCK_STREAM|unix.SOCK_CLOEXEC|unix.SOCK_NONBLOCK, 0)
	if err != nil {
		return nil, os.NewSyscallError("socket", err)
	}
	c, err := newSocketConn(fd, family == unix.AF_UNIX)
	if err != nil {
		return nil, err
	}
	if err := connect(ctx, c.t.(*sockTransport).sock.f, sa); err != nil {
		c.Close()
		return nil, &os.PathError{Op: "dial", Path: address, Err: err}
	}
	if authKey != nil {
		h := handshake{ctx, c.t.(*sockTransport)}
		err := auth.Answer(h, authKey)
		if err == nil {
			err = auth.Challenge(h, authKey)
		}
		if err != nil {
			c.Close()
			return nil, err
		}
	}
	return c, nil
}

// connect connects a nonblocking socket, waiting for it as ctx allows.
func connect(ctx context.Context, f *os.File, sa unix.Sockaddr) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var cerr error
	rc.Control(func(fd uintptr) { cerr = unix.Connect(int(fd), sa) })
	if cerr == nil {
		return nil
	}
	if cerr != unix.EINPROGRESS {
		return cerr
	}
	defer deadline(ctx, f.SetWriteDeadline)()
	var soErr int
	if err := rc.Write(func(fd uintptr) bool {
		soErr, cerr = unix.GetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_ERROR)
		return soErr != int(unix.EINPROGRESS)
	}); err != nil {
		return ctxErr(ctx, err)
	}
	if cerr != nil {
		return cerr
	}
	if soErr != 0 {
		return unix.Errno(soErr)
	}
	return nil
}

func newSocketConn(fd int, isUnix bool) (*Conn, error) {
	t, err := newSockTransport(newSocket(newSocketID(), fd), isUnix)
	if err != nil {
		unix.Close(fd)
		return nil, err
	}
	return &Conn{t: t, readable: true, writable: true}, nil
}

// sockaddr parses an address for Listen (listen true) or Dial.
func sockaddr(network, address string, listen bool) (unix.Sockaddr, int, error) {
	switch network {
	case "unix":
		if address == "" || len(address) > 107 {
			return nil, 0, fmt.Errorf("mproc: bad Unix socket path %q", address)
		}
		if strings.HasPrefix(address, "@") {
			return &unix.SockaddrUnix{Name: "\x00" + address[1:]}, unix.AF_UNIX, nil
		}
		return &unix.SockaddrUnix{Name: address}, unix.AF_UNIX, nil
	case "tcp", "tcp4", "tcp6":
		return tcpSockaddr(network, address, listen)
	}
	return nil, 0, fmt.Errorf("mproc: network %q: use unix or tcp", network)
}

func tcpSockaddr(network, address string, listen bool) (unix.Sockaddr, int, error) {
	i := strings.LastIndex(address, ":")
	if i < 0 {
		return nil, 0, fmt.Errorf("mproc: bad TCP address %q: want host:port", address)
	}
	host, port := strings.Trim(address[:i], "[]"), address[i+1:]
	p, err := strconv.ParseUint(port, 10, 16)
	if err != nil {
		return nil, 0, fmt.Errorf("mproc: bad TCP address %q: want host:port", address)
	}
	var ip netip.Addr
	switch host {
	case "":
		ip = netip.IPv4Unspecified()
		if !listen {
			ip = netip.AddrFrom4([4]byte{127, 0, 0, 1})
		}
	case "localhost":
		ip = netip.AddrFrom4([4]byte{127, 0, 0, 1})
		if network == "tcp6" {
			ip = netip.IPv6Loopback()
		}
	default:
		if ip, err = netip.ParseAddr(host); err != nil {
			return nil, 0, fmt.Errorf("mproc: TCP host %q: use an IP address or localhost (resolve names first)", host)
		}
	}
	if ip.Is4() && network != "tcp6" {
		return &unix.SockaddrInet4{Port: int(p), Addr: ip.As4()}, unix.AF_INET, nil
	}
	return &unix.SockaddrInet6{Port: int(p), Addr: ip.As16()}, unix.AF_INET6, nil
}

func addrString(sa unix.Sockaddr, given string) string {
	switch a := sa.(type) {
	case *unix.SockaddrInet4:
		return netip.AddrPortFrom(netip.AddrFrom4(a.Addr), uint16(a.Port)).String()
	case *unix.SockaddrInet6:
		return netip.AddrPortFrom(netip.AddrFrom16(a.Addr), uint16(a.Port)).String()
	}
	return given
}
