package chaos

import "os"

// kill ends pid at once (TerminateProcess), as SIGKILL does on Unix.
func kill(pid int) error {
	p, err := os.FindProcess(pid)
	if err != nil {
		return err
	}
	return p.Kill()
}
