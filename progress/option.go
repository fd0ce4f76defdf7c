package progress

import (
	"io"
	"os"

	"golang.org/x/term"
)

// Option configures a bar.
type Option func(*config)

type config struct {
	w      io.Writer
	desc   string
	always bool
}

// WithWriter draws the bar on w rather than os.Stderr.
func WithWriter(w io.Writer) Option { return func(c *config) { c.w = w } }

// WithDescription puts s before the bar.
func WithDescription(s string) Option { return func(c *config) { c.desc = s } }

// WithAlways draws the bar even when the writer is not a terminal.
func WithAlways() Option { return func(c *config) { c.always = true } }

func newConfig(opts []Option) config {
	c := config{w: os.Stderr}
	for _, o := range opts {
		o(&c)
	}
	return c
}

// visible reports whether a bar is drawn: on a terminal, or when asked.
func (c config) visible() bool {
	if c.always {
		return true
	}
	f, ok := c.w.(interface{ Fd() uintptr })
	return ok && term.IsTerminal(int(f.Fd()))
}
