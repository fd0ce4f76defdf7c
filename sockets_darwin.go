package mproc

import "golang.org/x/sys/unix"

// sockMessages is the socket type of side channels that carry one message
// per send. macOS's Unix sockets have no SOCK_SEQPACKET: datagrams keep
// the boundaries and carry descriptors as well.
const sockMessages = unix.SOCK_DGRAM
