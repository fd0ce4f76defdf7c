package natsproc

import (
	"bytes"
	"io"
	"os"
	"strings"
)

// logKeep is how much of the end of the server's log Log and errors show.
const logKeep = 64 << 10

// logFile is where the server's stdout and stderr go: an unlinked temp
// file, not a pipe, so that the server never blocks on a full pipe nor
// dies of SIGPIPE writing its shutdown lines after we are gone (it would
// then skip its clean JetStream shutdown). The server writes at the
// file's offset; we read with ReadAt only, which leaves it alone.
type logFile struct {
	f     *os.File
	off   int64 // how far scan has read
	lines lineSplitter
}

func newLogFile() (*logFile, error) {
	f, err := os.CreateTemp("", "mproc-nats-server-*.log")
	if err != nil {
		return nil, err
	}
	os.Remove(f.Name()) // the open descriptors keep it; nothing is left behind
	return &logFile{f: f}, nil
}

// scan returns the complete lines written since the last scan.
func (l *logFile) scan() []string {
	buf := make([]byte, 32<<10)
	var lines []string
	for {
		n, err := l.f.ReadAt(buf, l.off)
		l.off += int64(n)
		lines = append(lines, l.lines.feed(buf[:n])...)
		if err != nil || n < len(buf) {
			return lines
		}
	}
}

// String is the end of the log: its last logKeep bytes.
func (l *logFile) String() string {
	fi, err := l.f.Stat()
	if err != nil {
		return ""
	}
	start := max(fi.Size()-logKeep, 0)
	b := make([]byte, fi.Size()-start)
	n, err := l.f.ReadAt(b, start)
	if err != nil && err != io.EOF {
		return ""
	}
	return string(b[:n])
}

// last is at most the n last lines of the log, for an error message.
func (l *logFile) last(n int) string {
	lines := strings.Split(strings.TrimRight(l.String(), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

func (l *logFile) Close() error { return l.f.Close() }

// lineSplitter cuts a stream of bytes, fed in pieces cut anywhere, into
// lines.
type lineSplitter struct {
	partial []byte // a line not yet ended
}

// maxLine bounds a line without end: only its last maxLine bytes are kept.
const maxLine = logKeep

func (s *lineSplitter) feed(p []byte) []string {
	var lines []string
	for {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			break
		}
		s.partial = append(s.partial, p[:i]...)
		lines = append(lines, string(s.partial[max(len(s.partial)-maxLine, 0):]))
		s.partial = s.partial[:0]
		p = p[i+1:]
	}
	s.partial = append(s.partial, p...)
	if over := len(s.partial) - maxLine; over > 0 {
		s.partial = append(s.partial[:0], s.partial[over:]...)
	}
	return lines
}
