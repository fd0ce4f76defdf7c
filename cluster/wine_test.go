//go:build unix

package cluster_test

import (
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"mproc/cluster"
	"mproc/internal/testmain"
)

// wineVersion is the version both sides of the Wine test set: a Windows
// build and a Linux build of this package differ in their registries (the
// Unix-only tests register functions of their own).
const wineVersion = "wine-test"

// TestWindowsSubmitter serves a pool here, on Linux, and has this
// package's test binary built for Windows, run under Wine by
// .ci/wine-test, submit to it (TestWindowsClient): the cluster client is
// what runs on Windows. Skipped unless that script set the variables.
func TestWindowsSubmitter(t *testing.T) {
	wine, exe := os.Getenv("MPROC_WINE"), os.Getenv("MPROC_WINE_CLUSTER_EXE")
	if wine == "" || exe == "" {
		t.Skip("run by .ci/wine-test, which builds the Windows client and sets MPROC_WINE and MPROC_WINE_CLUSTER_EXE")
	}
	testmain.NoChildLeft(t)
	ctx := ctxTimeout(t, 4*time.Minute)
	s := startNATS(t)
	c := connect(t, ctx, s.url())
	serveHere(t, c, cluster.WithPool("wine"), cluster.WithWorkers(1), cluster.WithVersion(wineVersion))
	cmd := exec.CommandContext(ctx, wine, exe, "-test.run", "^TestWindowsClient$", "-test.v", "-test.count=1")
	cmd.Env = append(os.Environ(), "MPROC_WINE_NATS="+s.url())
	out, err := cmd.CombinedOutput()
	t.Logf("the Windows client under Wine:\n%s", out)
	if err != nil {
		t.Fatalf("the Windows client failed: %v", err)
	}
	if !strings.Contains(string(out), "--- PASS: TestWindowsClient") {
		t.Fatal("the Windows client did not pass TestWindowsClient")
	}
}
