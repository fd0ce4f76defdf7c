//go:build unix

package connection_test

import (
	"context"
	"encoding/hex"
	"fmt"
	"mproc/internal/testmain"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"mproc"
	"mproc/connection"
)

type umaskArg struct {
	Dir   string
	Umask int
}

// socketModeUnder listens on a socket file in dir under the given umask,
// which is process-wide: so in a child, never in the tests' process.
var socketModeUnder = mproc.Register[umaskArg, uint32]("test.conn.modes", func(a umaskArg) (uint32, error) {
	syscall.Umask(a.Umask)
	path := filepath.Join(a.Dir, "s")
	l, err := connection.Listen("unix", path, connection.WithAuthKey([]byte("k")))
	if err != nil {
		return 0, err
	}
	defer l.Close()
	st, err := os.Stat(path)
	if err != nil {
		return 0, err
	}
	return uint32(st.Mode().Perm()), nil
})

// Socket files are 0600 whatever the umask: a permissive one must not open
// them to other users, nor a strict one shut out their owner.
func TestSocketFileIs0600(t *testing.T) {
	t.Parallel()
	testmain.NoChildLeft(t)
	for _, umask := range []int{0, 0o022, 0o700} {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		mode, err := socketModeUnder.Call(ctx, umaskArg{t.TempDir(), umask})
		cancel()
		if err != nil {
			t.Fatalf("umask %#o: %v", umask, err)
		}
		if mode != 0o600 {
			t.Errorf("umask %#o: socket file %#o, want 0600", umask, mode)
		}
	}
}

var testKey = []byte("sekrit-KEY-4f1a9c27d3")

// leaks reports the form of key found in s, or "".
func leaks(s string, key []byte) string {
	forms := map[string]string{
		"raw":     string(key),
		"hex":     hex.EncodeToString(key),
		"HEX":     strings.ToUpper(hex.EncodeToString(key)),
		"decimal": strings.Trim(fmt.Sprint(key[:6]), "[]"),
		"spaced":  fmt.Sprintf("% x", key[:6]),
		"0x-list": fmt.Sprintf("%#v", key[:3])[len("[]byte{"):],
	}
	for name, f := range forms {
		if strings.Contains(s, f) {
			return name
		}
	}
	return ""
}

var redactVerbs = []string{"%v", "%+v", "%#v", "%s", "%d", "%x", "%q"}

// A listener prints without its key, however printed, and a failed
// handshake's errors, on both sides, carry neither key.
func TestKeyNeverPrinted(t *testing.T) {
	t.Parallel()
	ctx := ctxTimeout(t, 10*time.Second)
	l, err := connection.Listen("unix", abstractName(), connection.WithAuthKey(testKey))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	for _, verb := range redactVerbs {
		if form := leaks(fmt.Sprintf(verb, l), testKey); form != "" {
			t.Errorf("*Listener printed with %s shows the key (%s)", verb, form)
		}
	}
	other := []byte("other-KEY-77e2b05a19c4")
	ch := acceptAsync(ctx, l)
	c, dialErr := connection.Dial(ctx, "unix", l.Addr().String(), connection.WithAuthKey(other))
	if c != nil {
		c.Close()
	}
	acceptErr := (<-ch).err
	for side, err := range map[string]error{"Dial": dialErr, "Accept": acceptErr} {
		if err == nil {
			t.Fatalf("%s with the wrong key succeeded", side)
		}
		for _, k := range [][]byte{testKey, other} {
			for _, verb := range redactVerbs {
				if form := leaks(fmt.Sprintf(verb, err), k); form != "" {
					t.Errorf("%s's error printed with %s shows a key (%s): %v", side, verb, form, err)
				}
			}
		}
	}
}
