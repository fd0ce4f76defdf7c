//go:build unix && !darwin

package mproc

import "golang.org/x/sys/unix"

// sockMessages is the socket type of side channels that carry one message
// per send (a pipe's or queue's attachments).
const sockMessages = unix.SOCK_SEQPACKET
