//go:build linux && mproc_portable

package shm

import (
	"errors"
	"os"
	"strconv"
	"strings"
)

// startTime is when process pid started, in clock ticks after boot
// (field 22 of /proc/PID/stat).
func startTime(pid int) (uint64, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, err
	}
	// The command name, field 2, is in parentheses and may hold spaces
	// and parentheses: the fields after it begin after the last ')'.
	i := strings.LastIndexByte(string(b), ')')
	if i < 0 {
		return 0, errors.New("mproc: /proc/PID/stat without a command name")
	}
	fields := strings.Fields(string(b[i+1:]))
	const startField = 22 - 3 // fields[0] is field 3, the state
	if len(fields) <= startField {
		return 0, errors.New("mproc: /proc/PID/stat too short")
	}
	return strconv.ParseUint(fields[startField], 10, 64)
}
