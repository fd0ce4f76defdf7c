package demo

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// A minimal HTTP/1.0 server and client on raw sockets, for the crawler
// demo. They use golang.org/x/sys/unix instead of the net package on
// purpose: importing net links every mproc binary dynamically (for the cgo
// resolver), which makes every child's start about a millisecond slower.
//
// The server's sockets are non-blocking and wrapped in os.File, so that
// Go's poller waits on them: reads and writes take deadlines, and closing
// the listener wakes the accepting goroutine. The client, which runs in a
// pool worker, uses a blocking socket with SO_SNDTIMEO and SO_RCVTIMEO.

// httpTimeout bounds every connect, read and write of the server and client.
const httpTimeout = 2 * time.Second

// miniServer serves a fixed set of pages on 127.0.0.1.
type miniServer struct {
	addr  netip.AddrPort
	ln    *os.File
	pages map[string]string // path → body
	delay time.Duration     // how long each answer takes (a slow network)
	wg    sync.WaitGroup    // the accept loop and the connections
}

// startMiniServer listens on 127.0.0.1 on a free port and serves pages in
// the background until Close. Unknown paths get a 404.
func startMiniServer(pages map[string]string, delay time.Duration) (*miniServer, error) {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("httpmini: socket: %w", err)
	}
	fail := func(op string, err error) (*miniServer, error) {
		unix.Close(fd)
		return nil, fmt.Errorf("httpmini: %s: %w", op, err)
	}
	if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEADDR, 1); err != nil {
		return fail("setsockopt", err)
	}
	if err := unix.Bind(fd, &unix.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		return fail("bind", err)
	}
	if err := unix.Listen(fd, 64); err != nil {
		return fail("listen", err)
	}
	sa, err := unix.Getsockname(fd)
	if err != nil {
		return fail("getsockname", err)
	}
	in4, ok := sa.(*unix.SockaddrInet4)
	if !ok {
		return fail("getsockname", fmt.Errorf("unexpected address %T", sa))
	}
	s := &miniServer{
		addr:  netip.AddrPortFrom(netip.AddrFrom4(in4.Addr), uint16(in4.Port)),
		ln:    os.NewFile(uintptr(fd), "httpmini-listener"), // non-blocking: pollable
		pages: pages,
		delay: delay,
	}
	s.wg.Go(s.acceptLoop)
	return s, nil
}

// URL returns the address of path on this server.
func (s *miniServer) URL(path string) string { return "http://" + s.addr.String() + path }

// Close stops accepting, and waits for the connections being served.
func (s *miniServer) Close() error {
	err := s.ln.Close() // wakes the accept loop
	s.wg.Wait()
	return err
}

func (s *miniServer) acceptLoop() {
	rc, err := s.ln.SyscallConn()
	if err != nil {
		return
	}
	for {
		var nfd int
		var aerr error
		err := rc.Read(func(fd uintptr) bool {
			nfd, _, aerr = unix.Accept4(int(fd), unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC)
			return aerr != unix.EAGAIN // false: wait until readable
		})
		if err != nil { // the listener was closed
			return
		}
		switch {
		case aerr == nil:
			conn := os.NewFile(uintptr(nfd), "httpmini-conn")
			s.wg.Go(func() { s.serve(conn) })
		case aerr == unix.EINTR, aerr == unix.ECONNABORTED:
			// transient: try again
		default:
			return
		}
	}
}

// serve answers one request and closes the connection (HTTP/1.0).
func (s *miniServer) serve(conn *os.File) {
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(httpTimeout))
	req, err := readHead(conn, 8<<10)
	if err != nil {
		return
	}
	line, _, _ := strings.Cut(req, "\r\n")
	f := strings.Fields(line)
	status, body := 400, "<html><head><title>400 Bad Request</title></head></html>"
	if len(f) == 3 && f[0] == "GET" && strings.HasPrefix(f[2], "HTTP/1.") {
		status, body = 404, "<html><head><title>404 Not Found</title></head></html>"
		if page, ok := s.pages[f[1]]; ok {
			status, body = 200, page
		}
	}
	if s.delay > 0 {
		time.Sleep(s.delay) // the network's latency and the server's work
	}
	reason := map[int]string{200: "OK", 400: "Bad Request", 404: "Not Found"}[status]
	resp := fmt.Sprintf("HTTP/1.0 %d %s\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s",
		status, reason, len(body), body)
	io.WriteString(conn, resp)
}

// readHead reads up to the blank line that ends a request's head.
func readHead(r io.Reader, limit int) (string, error) {
	var buf []byte
	chunk := make([]byte, 1024)
	for {
		n, err := r.Read(chunk)
		buf = append(buf, chunk[:n]...)
		if i := bytes.Index(buf, []byte("\r\n\r\n")); i >= 0 {
			return string(buf[:i+2]), nil
		}
		if len(buf) > limit {
			return "", errors.New("httpmini: request head too long")
		}
		if err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return "", err
		}
	}
}

// getPage fetches an http://127.0.0.1:PORT/path URL with HTTP/1.0 and
// returns the status and body (requests.get, in the seed).
func getPage(url string) (status int, body []byte, err error) {
	rest, ok := strings.CutPrefix(url, "http://")
	if !ok {
		return 0, nil, fmt.Errorf("httpmini: %q: only http:// URLs", url)
	}
	hostport, path, _ := strings.Cut(rest, "/")
	path = "/" + path
	ap, err := netip.ParseAddrPort(hostport)
	if err != nil || !ap.Addr().Is4() {
		return 0, nil, fmt.Errorf("httpmini: %q: want an IPv4 address and a port: %v", url, err)
	}
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return 0, nil, fmt.Errorf("httpmini: socket: %w", err)
	}
	defer unix.Close(fd)
	tv := unix.NsecToTimeval(httpTimeout.Nanoseconds())
	// SO_SNDTIMEO bounds connect too, on Linux.
	if err := unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_SNDTIMEO, &tv); err != nil {
		return 0, nil, fmt.Errorf("httpmini: setsockopt: %w", err)
	}
	if err := unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv); err != nil {
		return 0, nil, fmt.Errorf("httpmini: setsockopt: %w", err)
	}
	if err := retryEINTR(func() error {
		return unix.Connect(fd, &unix.SockaddrInet4{Addr: ap.Addr().As4(), Port: int(ap.Port())})
	}); err != nil {
		return 0, nil, fmt.Errorf("httpmini: connect %s: %w", hostport, err)
	}
	req := []byte("GET " + path + " HTTP/1.0\r\nHost: " + hostport + "\r\nUser-Agent: mproc-demo\r\n\r\n")
	for len(req) > 0 {
		var n int
		err := retryEINTR(func() (err error) { n, err = unix.Write(fd, req); return err })
		if err != nil {
			return 0, nil, fmt.Errorf("httpmini: send: %w", err)
		}
		req = req[n:]
	}
	var resp []byte
	buf := make([]byte, 4096)
	for {
		var n int
		err := retryEINTR(func() (err error) { n, err = unix.Read(fd, buf); return err })
		if err == unix.EAGAIN {
			return 0, nil, fmt.Errorf("httpmini: no answer from %s within %v", hostport, httpTimeout)
		}
		if err != nil {
			return 0, nil, fmt.Errorf("httpmini: receive: %w", err)
		}
		if n == 0 { // EOF: HTTP/1.0 ends the body by closing
			break
		}
		resp = append(resp, buf[:n]...)
		if len(resp) > 1<<20 {
			return 0, nil, errors.New("httpmini: response too large")
		}
	}
	return parseResponse(resp)
}

// parseResponse splits a whole HTTP/1.x response into its status and body,
// checking Content-Length when it is given.
func parseResponse(resp []byte) (int, []byte, error) {
	head, body, ok := bytes.Cut(resp, []byte("\r\n\r\n"))
	if !ok {
		return 0, nil, errors.New("httpmini: response without a head")
	}
	lines := strings.Split(string(head), "\r\n")
	f := strings.Fields(lines[0])
	if len(f) < 2 || !strings.HasPrefix(f[0], "HTTP/1.") {
		return 0, nil, fmt.Errorf("httpmini: bad status line %q", lines[0])
	}
	status, err := strconv.Atoi(f[1])
	if err != nil {
		return 0, nil, fmt.Errorf("httpmini: bad status line %q", lines[0])
	}
	for _, l := range lines[1:] {
		k, v, _ := strings.Cut(l, ":")
		if strings.EqualFold(strings.TrimSpace(k), "Content-Length") {
			n, err := strconv.Atoi(strings.TrimSpace(v))
			if err != nil || n != len(body) {
				return 0, nil, fmt.Errorf("httpmini: Content-Length %q, but %d bytes came", v, len(body))
			}
		}
	}
	return status, body, nil
}

func retryEINTR(f func() error) error {
	for {
		if err := f(); err != unix.EINTR {
			return err
		}
	}
}
