package mproc

import (
	"fmt"
	"io"
	"os"
	"sync"
)

// childOutput is where a child's standard output and error go, with
// os/exec's rules: an *os.File is the child's own descriptor, any other
// writer gets a pipe whose other end a goroutine here copies into it, and
// nil is this process's os.Stdout or os.Stderr as it is at Start.
type childOutput struct {
	files   [2]*os.File // the child's descriptors 1 and 2
	ours    []*os.File  // pipe ends to close once the child holds its own
	copying sync.WaitGroup
	errMu   sync.Mutex
	err     error // the first copy error
}

// newChildOutput sets up the child's output. A writer given for both
// streams gets one pipe, so that it never sees two writes at once.
func newChildOutput(stdout, stderr io.Writer) (*childOutput, error) {
	o := &childOutput{}
	var err error
	if o.files[0], err = o.file(stdout, os.Stdout, "output"); err != nil {
		o.release()
		return nil, err
	}
	if stderr != nil && interfaceEqual(stderr, stdout) {
		o.files[1] = o.files[0]
		return o, nil
	}
	if o.files[1], err = o.file(stderr, os.Stderr, "error"); err != nil {
		o.release()
		return nil, err
	}
	return o, nil
}

// file returns the descriptor the child gets for w.
func (o *childOutput) file(w io.Writer, dflt *os.File, stream string) (*os.File, error) {
	if w == nil {
		return dflt, nil
	}
	if f, ok := w.(*os.File); ok {
		return f, nil
	}
	r, pw, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("mproc: a pipe for the child's standard %s: %w", stream, err)
	}
	o.ours = append(o.ours, pw)
	o.copying.Go(func() { o.copy(w, r, stream) })
	return pw, nil
}

// copy copies the child's stream into w until every writer of the pipe has
// closed it. After a failed Write it goes on reading and dropping, as a
// child that loses its reader would die of SIGPIPE for someone else's fault.
func (o *childOutput) copy(w io.Writer, r *os.File, stream string) {
	defer r.Close()
	if _, err := io.Copy(w, r); err != nil {
		o.errMu.Lock()
		if o.err == nil {
			o.err = fmt.Errorf("mproc: copying the child's standard %s: %w", stream, err)
		}
		o.errMu.Unlock()
		io.Copy(io.Discard, r)
	}
}

// fds are the descriptors to pass to a warm spare, which has the output it
// was started with.
func (o *childOutput) fds() []int {
	return []int{int(o.files[0].Fd()), int(o.files[1].Fd())}
}

// release closes this process's ends of the pipes, once the child holds
// its own copies (or will never run): then the copies end at the child's
// exit.
func (o *childOutput) release() {
	for _, f := range o.ours {
		f.Close()
	}
	o.ours = nil
}

// wait waits until the copying is done, after release, and returns the
// first copy error.
func (o *childOutput) wait() error {
	o.copying.Wait()
	o.errMu.Lock()
	defer o.errMu.Unlock()
	return o.err
}

// interfaceEqual is os/exec's: == that is false, not a panic, for
// writers of a type that cannot be compared.
func interfaceEqual(a, b any) bool {
	defer func() { recover() }()
	return a == b
}
