package server

import "net"

// quiet serves c as it is: the raw reads and writes of quiet_conn_unix.go
// are Unix system calls.
func quiet(c net.Conn) net.Conn { return c }
