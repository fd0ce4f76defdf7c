//go:build mproc_portable

package lockword

import (
	"bytes"
	"os"
	"strconv"
)

// isZombie reads the state letter in /proc/PID/stat.
func isZombie(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	i := bytes.LastIndexByte(b, ')') // the command name may hold ')'
	return i >= 0 && i+2 < len(b) && b[i+2] == 'Z'
}
