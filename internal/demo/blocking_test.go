package demo

import (
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestBlocking checks each wait's outcome, and its time where a bound
// holds on any machine: a blocking call waited for the peer (which acts
// blockingDelay after the gate opens, and the gate opens just before the
// call: on a loaded machine the call may start a few ms later, so half the
// delay is the bound), a deadline ended the wait no sooner than the
// deadline, and a non-blocking call did not wait for the peer.
func TestBlocking(t *testing.T) {
	out := run(t, "blocking")
	after := regexp.MustCompile(` after ([\d.]+(?:ms|µs|ns|s))`)
	for _, c := range []struct {
		line     string // a substring of the line
		outcome  string
		min, max time.Duration
	}{
		{"q.TryGet():", "mproc: empty", 0, blockingDelay},
		{"q.Get(30ms ctx):", "mproc: empty (context deadline exceeded)", 30 * time.Millisecond, time.Hour},
		{"q.Get(ctx):", `"your number is called"`, blockingDelay / 2, time.Hour},
		{"l.TryLock():", "false", 0, blockingDelay},
		{"l.LockContext(30ms ctx):", "context deadline exceeded", 30 * time.Millisecond, time.Hour},
		{"l.Lock():", "got it", blockingDelay / 2, time.Hour},
		{"c.Poll(done ctx):", "false, context canceled", 0, blockingDelay},
		{"c.Poll(30ms ctx):", "false, context deadline exceeded", 30 * time.Millisecond, time.Hour},
		{"c.Recv(ctx, &msg):", `"second message"`, 0, time.Hour},
	} {
		line := out[max(0, strings.Index(out, c.line)):]
		line, _, _ = strings.Cut(line, "\n")
		if !strings.HasPrefix(line, c.line) || !strings.Contains(line, c.outcome) {
			t.Errorf("want a line %s ... %s; got %q", c.line, c.outcome, line)
			continue
		}
		m := after.FindStringSubmatch(line)
		if m == nil {
			t.Errorf("no time in %q", line)
			continue
		}
		d, err := time.ParseDuration(m[1])
		if err != nil || d < c.min || d > c.max {
			t.Errorf("%s took %s, want between %v and %v", c.line, m[1], c.min, c.max)
		}
	}
	mustContain(t, out, "(ErrEmpty: true, DeadlineExceeded: true)", `and got "first message" after`)
	if lineIndex(t, out, "releasing the lock") > lineIndex(t, out, "l.Lock():") {
		t.Errorf("main got the lock before the peer released it")
	}
}
