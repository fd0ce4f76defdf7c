// Package connection connects processes over sockets with the messages of
// a pipe: CPython's multiprocessing.connection on Go's net package.
//
// Listen and Dial (CPython's Listener and Client) make connections over TCP
// or Unix sockets; NewListener accepts from any net.Listener (TLS, one made
// from an inherited descriptor) and Client runs over any net.Conn you
// dialled (tls.Client's). Every end is an *mproc.Conn, the same type as a
// Pipe's ends, with the same Send, Recv, SendBytes, RecvBytes and Poll, and
// Wait waits on any mix of them (CPython's wait).
//
//	l, _ := connection.Listen("tcp", "127.0.0.1:6000", connection.WithAuthKey(key))
//	c, _ := l.Accept(ctx)          // in one process
//	d, _ := connection.Dial(ctx, "tcp", "127.0.0.1:6000", connection.WithAuthKey(key))
//
// # Authentication
//
// With an auth key (WithAuthKey), both sides prove they hold it before any
// message, by CPython's challenge and HMAC, and a peer with another key
// gets ErrAuthentication on both sides; the key never crosses. Accept gives
// a peer 10 seconds (WithHandshakeTimeout) to finish, so a silent one can't
// hold the listener up. Without a key there is no handshake, as in CPython:
// on TCP, anyone who can connect can talk.
//
// # What crosses
//
// Over a Unix socket, shared objects inside messages (a Lock, a Queue,
// another Conn) cross as they do through a Pipe: their descriptors travel
// beside the message. Over TCP or TLS only plain values cross. An end over
// a Unix or TCP socket is itself an ordinary argument: pass it to a child
// process or put it on a Queue, and it works there (an end over TLS can't
// leave its process). A message is at most 1 GiB (WithMaxMessage); a larger
// one is refused before it is sent, and skipped unread when a peer
// announces one.
//
// # Shared memory
//
// Peers on one machine can leave the socket after the handshake:
// WithSharedMemory on both sides moves a Unix socket connection to a Pipe
// (the listener sends one end over the socket), whose round trip needs no
// system call while both sides run.
//
// # Python peers
//
// WithPython speaks CPython's wire instead of mproc's, to a Python
// program's Listener or Client: its framing, its handshake (CPython 3.11's
// HMAC-MD5 and 3.12's named digests), and Send and Recv values as pickles
// of plain data (None, bool, int, float, str, bytes, list, tuple, dict).
// A pickle of anything else (a class, a function call) is refused with
// ErrCorrupt, never run.
//
// # Deadlines
//
// As everywhere in mproc, a call that waits gives up when its ctx ends and
// returns ctx's error (errors.Is(err, context.DeadlineExceeded)); a receive
// cut short resumes where it stopped at the next call. On TLS, a Send that
// ctx cuts short leaves the connection unusable (crypto/tls's rule).
package connection
