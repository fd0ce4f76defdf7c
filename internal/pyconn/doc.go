// Package pyconn speaks to Python's multiprocessing.connection: its framing
// (WriteMessage, ReadMessage) and the pickles its Connection.send and recv
// exchange, limited to plain data (Marshal, Unmarshal). The handshake is
// package auth's, which answers and accepts both CPython 3.12+'s
// "{sha256}" challenges and the raw HMAC-MD5 of 3.11 and earlier.
//
// Pickles are made and read by github.com/kisielk/og-rek, which builds Go
// values for everything, classes and calls included, and runs nothing. This
// package lets through only plain data (None, bool, int, float, str, bytes,
// bytearray, list, tuple, dict): a pickle from an authenticated peer that
// would make Python build an object, import a module or call a function is
// refused with an error, never acted on. Before og-rek sees a pickle a
// linear scan of its opcodes refuses the forms og-rek would decode wrongly
// or at a cost out of proportion to the pickle's size (see scan.go): the
// one limit that legitimate data can meet is that a list may appear only
// once in the data (Python's [row] * 3 is refused; tuples and dicts may be
// shared), and ints are limited to 1016 bits on the way in and CPython's
// 4300 digits on the way out.
//
// Errors wrap the sentinels of package wire: ErrCorrupt for bytes that are
// not a frame or not a pickle, ErrTooLarge for limits, ErrUnencodable for
// well-formed data that is not plain data or does not fit the Go type
// asked for (a *TypeError).
package pyconn
