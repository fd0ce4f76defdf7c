package schedrun

import (
	"testing"

	"mproc"
	"mproc/internal/testmain"
)

func TestMain(m *testing.M) {
	mproc.Main()
	testmain.Run(m)
}
