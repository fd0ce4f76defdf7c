package demo

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"
)

func TestEndings(t *testing.T) {
	out := run(t, "endings")
	for _, re := range []string{
		`1\. normal exit\s+returns nil\s+\d+\s+0\s+<nil>\s+-`,
		`2\. error exit\s+returns an error\s+\d+\s+1\s+\*mproc\.RemoteError\s+open a\.py: no such file or directory`,
		`2\. error exit\s+calls os\.Exit\(3\)\s+\d+\s+3\s+\*mproc\.ExitError`,
		`3\. fatal error\s+panics\s+\d+\s+1\s+\*mproc\.RemoteError\s+panic: 1/0: ZeroDivisionError`,
		`3\. fatal error\s+writes through nil\s+\d+\s+1\s+\*mproc\.RemoteError\s+panic: runtime error: invalid memory address or nil pointer…`,
		`3\. fatal error\s+faults past nil\s+\d+\s+2\s+\*mproc\.ExitError\s+fatal error: fault`,
		`3\. fatal error\s+segfaults, C-style\s+\d+\s+-11\s+\*mproc\.ExitError`,
		`4\. killed\s+Terminate\(\)d\s+\d+\s+-15\s+\*mproc\.ExitError`,
		`4\. killed\s+Kill\(\)ed\s+\d+\s+-9\s+\*mproc\.ExitError`,
		`segfaults, C-style\s+mproc: Process-\d+ \(pid \d+\) was killed by signal 11 \(segmentation fault\): exit code -11`,
		`faults past nil\s+mproc: Process-\d+ \(pid \d+\) exited with code 2 without a result`,
	} {
		if !regexp.MustCompile(re).MatchString(out) {
			t.Errorf("output does not match %s", re)
		}
	}
	// The segfaulting child turned core dumps off: it leaves no core file.
	if m, _ := filepath.Glob("core*"); len(m) > 0 {
		t.Errorf("core files left: %v", m)
		for _, f := range m {
			os.Remove(f)
		}
	}
}
