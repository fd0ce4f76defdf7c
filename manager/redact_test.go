package manager

import (
	"encoding/hex"
	"fmt"
	"strings"
	"testing"
)

// A manager's key, in its config or its client, never prints.
func TestAuthKeyNeverPrinted(t *testing.T) {
	t.Parallel()
	key := []byte("mgr-sekrit-KEY-8d0c13")
	var cfg config
	WithAuthKey(key)(&cfg)
	WithAddress("unix", "@mproc-redact")(&cfg)
	cl := &client{network: "unix", addr: "@mproc-redact"}
	cl.key = cfg.key
	m := &Manager{network: "unix", addr: "@mproc-redact", cl: cl}
	for name, v := range map[string]any{"config": cfg, "*config": &cfg, "client": cl, "*Manager": m, "Manager": *m} {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%d", "%x", "%q"} {
			s := fmt.Sprintf(verb, v)
			for _, form := range []string{string(key), hex.EncodeToString(key), strings.ToUpper(hex.EncodeToString(key)), strings.Trim(fmt.Sprint(key[:6]), "[]")} {
				if strings.Contains(s, form) {
					t.Errorf("%s printed with %s shows the key: %s", name, verb, s)
				}
			}
		}
	}
}
