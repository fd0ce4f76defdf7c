package cluster

import (
	"strings"
	"testing"
)

func TestValidName(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"a", "default", "A-z_09", strings.Repeat("x", 64)} {
		if !validName(name) {
			t.Errorf("validName(%q) = false; want true", name)
		}
	}
	for _, name := range []string{"", "a.b", "a b", "a*", "é", "a\x00", "a>", strings.Repeat("x", 65)} {
		if validName(name) {
			t.Errorf("validName(%q) = true; want false", name)
		}
	}
}
