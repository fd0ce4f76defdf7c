//go:build !linux

package demo

import (
	"errors"
	"fmt"
)

// endingsDefaultSegv needs Linux's prctl and rt_sigaction.
func endingsDefaultSegv() error {
	return fmt.Errorf("the segfault ending restores SIGSEGV's default through Linux's calls: %w", errors.ErrUnsupported)
}
