// Package natsembed runs a NATS server with JetStream inside this
// process, for tests that may link nats-server. The mproc command, its
// demos and its bench start a nats-server process instead
// (internal/natsproc): a binary that links nats-server makes every child
// it starts slower and larger. The library (mproc/cluster) never imports
// it: a program that uses a cluster connects to a server run apart.
package natsembed

import (
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// Server is a running embedded server.
type Server struct {
	ns *server.Server
}

// Start starts a server listening on host:port (port -1: any free port),
// with its JetStream store in dir, and waits until it takes connections.
func Start(host string, port int, dir string) (*Server, error) {
	ns, err := server.NewServer(&server.Options{
		ServerName: "mproc", Host: host, Port: port,
		JetStream: true, StoreDir: dir,
		NoLog: true, NoSigs: true,
	})
	if err != nil {
		return nil, fmt.Errorf("nats-server: %w", err)
	}
	ns.Start()
	if !ns.ReadyForConnections(10 * time.Second) {
		ns.Shutdown()
		return nil, errors.New("nats-server: not ready for connections after 10 s")
	}
	return &Server{ns: ns}, nil
}

// URL is the address clients connect to.
func (s *Server) URL() string {
	if a, ok := s.ns.Addr().(*net.TCPAddr); ok {
		return fmt.Sprintf("nats://%s", net.JoinHostPort(a.IP.String(), fmt.Sprint(a.Port)))
	}
	return s.ns.ClientURL()
}

// Stop shuts the server down and waits until it has.
func (s *Server) Stop() {
	s.ns.Shutdown()
	s.ns.WaitForShutdown()
}
