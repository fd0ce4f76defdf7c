package mproc

import (
	"encoding/hex"
	"fmt"
	"strings"
	"testing"

	"mproc/internal/auth"
)

// testKey is distinctive enough that any of its printed forms is found.
var testKey = []byte("sekrit-KEY-4f1a9c27d3")

// leaks reports the form of key found in s, or "".
func leaks(s string, key []byte) string {
	forms := map[string]string{
		"raw":     string(key),
		"hex":     hex.EncodeToString(key),
		"HEX":     strings.ToUpper(hex.EncodeToString(key)),
		"decimal": strings.Trim(fmt.Sprint([]byte(key[:6])), "[]"),
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

func checkRedacted(t *testing.T, what string, v any, key []byte) {
	t.Helper()
	for _, verb := range redactVerbs {
		if form := leaks(fmt.Sprintf(verb, v), key); form != "" {
			t.Errorf("%s printed with %s shows the key (%s): %s", what, verb, form, fmt.Sprintf(verb, v))
		}
	}
}

var redactFunc = Register[int, int]("test.redact.noop", func(int) (int, error) { return 0, nil })

// Everything that holds an auth key prints without it, however printed:
// fmt calls no methods on unexported fields, so the key must hide there
// too.
func TestAuthKeyNeverPrinted(t *testing.T) {
	t.Parallel()
	cfg := newProcConfig([]Option{WithAuthKey(testKey), WithName("redact")})
	checkRedacted(t, "procConfig", cfg, testKey)
	checkRedacted(t, "*procConfig", &cfg, testKey)
	checkRedacted(t, "auth.Key", auth.NewKey(testKey), testKey)

	p := redactFunc.Process(1, WithAuthKey(testKey))
	if string(p.AuthKey()) != string(testKey) {
		t.Fatalf("AuthKey() = %q", p.AuthKey())
	}
	checkRedacted(t, "*Proc", p, testKey)
	checkRedacted(t, "*Process", p.Process, testKey)
	self := Current()
	checkRedacted(t, "Current()", self, self.AuthKey())
}
