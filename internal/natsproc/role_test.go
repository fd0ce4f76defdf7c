package natsproc

import (
	"context"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"
)

// runRole runs this test binary in role, with env replacing the variables
// it names (and MPROC_NATS_SERVER unset unless env sets it), and returns
// its output.
func runRole(t *testing.T, role string, env []string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(ctx, self, "-test.run=^$")
	cmd.Env = slices.DeleteFunc(os.Environ(), func(kv string) bool {
		name, _, _ := strings.Cut(kv, "=")
		return name == EnvServer || slices.ContainsFunc(env, func(e string) bool { return strings.HasPrefix(e, name+"=") })
	})
	cmd.Env = append(cmd.Env, append([]string{roleEnv + "=" + role}, env...)...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("role %s: %v\n%s", role, err, out)
	}
	return string(out)
}
