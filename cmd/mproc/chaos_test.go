package main

import (
	"encoding/json"
	"strings"
	"testing"

	"mproc/internal/chaos"
)

func TestCLIChaos(t *testing.T) {
	if code, _, errOut := runCLI("chaos", "nope"); code != 1 || !strings.Contains(errOut, `no case "nope"`) {
		t.Errorf("chaos nope: %d, %q", code, errOut)
	}
	code, out, errOut := runCLI("chaos", "parent-killed", "--runs", "2", "--json")
	if code != 0 {
		t.Fatalf("chaos --runs 2 --json parent-killed: %d\n%s", code, errOut)
	}
	var r chaos.Result
	if err := json.Unmarshal([]byte(out), &r); err != nil || r.Case != "parent-killed" || r.Runs != 2 || r.Failures != 0 || r.Worst <= 0 {
		t.Errorf("output %q: %+v, %v", out, r, err)
	}
}
