//go:build !linux

package natsproc

import "syscall"

// sysProcAttr has no parent-death signal to ask for off Linux: there the
// server outlives a parent that dies without calling Stop.
func sysProcAttr() *syscall.SysProcAttr { return nil }

func onStartThread(f func()) { f() }
