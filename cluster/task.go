package cluster

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go"

	"mproc"
	"mproc/internal/rootlink"
	"mproc/internal/wire"
)

// A task is a message on the pool's stream: these headers, and the
// encoded argument (or a Map chunk's arguments) as its data.
const (
	hdrID       = "Mproc-Task"
	hdrFunc     = "Mproc-Func"
	hdrKind     = "Mproc-Kind"
	hdrSig      = "Mproc-Sig"
	hdrVersion  = "Mproc-Version"
	hdrDeadline = "Mproc-Deadline" // Unix nanoseconds
	hdrTimeout  = "Mproc-Timeout"  // nanoseconds, from the task's start
)

// task is a task as a worker reads it.
type task struct {
	id, fn, sig, version string
	kind                 byte
	deadline             time.Time
	timeout              time.Duration
	payload              []byte
}

func (t *task) header() nats.Header {
	h := nats.Header{}
	h.Set(hdrID, t.id)
	h.Set(hdrFunc, t.fn)
	h.Set(hdrKind, strconv.Itoa(int(t.kind)))
	h.Set(hdrSig, t.sig)
	h.Set(hdrVersion, t.version)
	if !t.deadline.IsZero() {
		h.Set(hdrDeadline, strconv.FormatInt(t.deadline.UnixNano(), 10))
	}
	if t.timeout > 0 {
		h.Set(hdrTimeout, strconv.FormatInt(int64(t.timeout), 10))
	}
	return h
}

// parseTask reads a task message, which anyone who can publish on the
// stream's subject may have written.
func parseTask(h nats.Header, data []byte) (task, error) {
	t := task{id: h.Get(hdrID), fn: h.Get(hdrFunc), sig: h.Get(hdrSig), version: h.Get(hdrVersion), payload: data}
	if t.id == "" || t.fn == "" {
		return t, fmt.Errorf("%w: a task without %s or %s", mproc.ErrCorrupt, hdrID, hdrFunc)
	}
	if !validKey(t.id) {
		return t, fmt.Errorf("%w: task id %q", mproc.ErrCorrupt, t.id)
	}
	k, err := strconv.ParseUint(h.Get(hdrKind), 10, 8)
	if err != nil || k == 0 {
		return t, fmt.Errorf("%w: task kind %q", mproc.ErrCorrupt, h.Get(hdrKind))
	}
	t.kind = byte(k)
	if s := h.Get(hdrDeadline); s != "" {
		ns, err := strconv.ParseInt(s, 10, 64)
		if err != nil || ns <= 0 {
			return t, fmt.Errorf("%w: task deadline %q", mproc.ErrCorrupt, s)
		}
		t.deadline = time.Unix(0, ns)
	}
	if s := h.Get(hdrTimeout); s != "" {
		ns, err := strconv.ParseInt(s, 10, 64)
		if err != nil || ns <= 0 {
			return t, fmt.Errorf("%w: task timeout %q", mproc.ErrCorrupt, s)
		}
		t.timeout = time.Duration(ns)
	}
	return t, nil
}

// validKey says whether s is a KV key NATS accepts.
func validKey(s string) bool {
	if s == "" || len(s) > 256 || s[0] == '.' || s[len(s)-1] == '.' || strings.Contains(s, "..") {
		return false
	}
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', strings.ContainsRune("-/_=.", r):
		default:
			return false
		}
	}
	return true
}

// A stored result is one of these bytes, then the encoded result, or a
// failure's CBOR.
const (
	resultOK     byte = 'R'
	resultFailed byte = 'E'
)

// failureRecord is a task's error as it is stored.
type failureRecord struct {
	Worker  string // the process that ran it, for the RemoteError's Name
	Pid     int
	Failure []byte // the root's failure encoding
	Lost    int    // >0: every delivery lost its worker; this many
}

func encodeOK(result []byte) []byte { return append([]byte{resultOK}, result...) }

func encodeFailed(worker string, pid int, err error, lost int) []byte {
	rec := failureRecord{Worker: worker, Pid: pid, Failure: rootlink.Cluster.EncodeFailure(err), Lost: lost}
	b, e := wire.CBOR.Marshal(rec)
	if e != nil {
		panic(fmt.Sprintf("cluster: encoding a failure: %v", e)) // a plain struct always encodes
	}
	return append([]byte{resultFailed}, b...)
}

// decodeResult reads a stored result: the encoded value, or the task's
// error.
func decodeResult(id string, b []byte) ([]byte, error) {
	if len(b) == 0 {
		return nil, fmt.Errorf("%w: empty result of task %s", mproc.ErrCorrupt, id)
	}
	switch b[0] {
	case resultOK:
		return b[1:], nil
	case resultFailed:
		var rec failureRecord
		if err := wire.CBOR.Unmarshal(b[1:], &rec); err != nil {
			return nil, fmt.Errorf("%w: failure of task %s: %v", mproc.ErrCorrupt, id, err)
		}
		err := rootlink.Cluster.DecodeFailure(rec.Failure, rec.Worker, rec.Pid)
		if rec.Lost > 0 {
			err = &DeliveryError{ID: id, Deliveries: rec.Lost, Last: err}
		}
		return nil, err
	}
	return nil, fmt.Errorf("%w: result of task %s starts with %#x", mproc.ErrCorrupt, id, b[0])
}

// defaultVersion names the program by what it can run.
func defaultVersion() string {
	h := sha256.New()
	for _, s := range rootlink.Cluster.Registry() {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	return "funcs-" + hex.EncodeToString(h.Sum(nil))[:16]
}
