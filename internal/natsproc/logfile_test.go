package natsproc

import (
	"bytes"
	"strings"
	"testing"
)

// FuzzLineSplitter feeds a log in pieces cut at arbitrary places: the
// lines that come out are the input's complete lines (an endless one cut
// to its last maxLine bytes).
func FuzzLineSplitter(f *testing.F) {
	f.Add([]byte("[1] [INF] Listening for client connections on 127.0.0.1:4222\n[1] [INF] Server is ready\n"), uint16(7))
	f.Add([]byte("no end"), uint16(1))
	f.Add([]byte("\n\n\n"), uint16(2))
	f.Fuzz(func(t *testing.T, log []byte, cut uint16) {
		checkSplit(t, log, int(cut)%64+1)
	})
}

func TestLineSplitterLong(t *testing.T) {
	t.Parallel()
	long := bytes.Repeat([]byte("0123456789abcdef\n"), 3*maxLine/16)
	checkSplit(t, long, 4096)
	endless := append(bytes.Repeat([]byte("x"), 2*maxLine), "y\nz\n"...)
	checkSplit(t, append(long, endless...), 10_000)
}

func checkSplit(t *testing.T, log []byte, chunk int) {
	t.Helper()
	var s lineSplitter
	var lines []string
	for rest := log; len(rest) > 0; {
		n := min(chunk, len(rest))
		lines = append(lines, s.feed(rest[:n])...)
		rest = rest[n:]
	}
	want := strings.Split(string(log), "\n")
	want = want[:len(want)-1] // the last piece has no end
	if len(lines) != len(want) {
		t.Fatalf("%d lines, want %d", len(lines), len(want))
	}
	for i, w := range want {
		if len(w) > maxLine {
			w = w[len(w)-maxLine:]
		}
		if lines[i] != w {
			t.Fatalf("line %d: %q, want %q", i, lines[i], w)
		}
	}
	if len(s.partial) > maxLine {
		t.Errorf("%d bytes kept of a line without end", len(s.partial))
	}
}

func TestLogFile(t *testing.T) {
	t.Parallel()
	l, err := newLogFile()
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	l.f.WriteString("a\nb\nc")
	if got := l.scan(); strings.Join(got, ",") != "a,b" {
		t.Errorf("scan: %q", got)
	}
	l.f.WriteString("\nd\n")
	if got := l.scan(); strings.Join(got, ",") != "c,d" {
		t.Errorf("scan: %q", got)
	}
	if got := l.last(2); got != "c\nd" {
		t.Errorf("last(2) = %q", got)
	}
	big := strings.Repeat("z", 2*logKeep)
	l.f.WriteString(big)
	if got := l.String(); len(got) != logKeep || got != big[:logKeep] {
		t.Errorf("String: %d bytes", len(got))
	}
	if got := l.scan(); len(got) != 0 || len(l.lines.partial) != maxLine {
		t.Errorf("scan of an endless line: %d lines, %d bytes kept", len(got), len(l.lines.partial))
	}
}
