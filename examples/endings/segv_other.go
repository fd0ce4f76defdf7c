//go:build !linux

package main

import "errors"

// defaultSegv needs Linux's prctl and rt_sigaction.
func defaultSegv() error { return errors.ErrUnsupported }
