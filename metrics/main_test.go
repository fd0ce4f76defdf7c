package metrics_test

import (
	"testing"

	"mproc"
	"mproc/internal/testmain"
)

// TestMain runs a child's target when this binary was started as a child
// (mproc.Main), else the tests.
func TestMain(m *testing.M) {
	mproc.Main()
	testmain.Run(m)
}
