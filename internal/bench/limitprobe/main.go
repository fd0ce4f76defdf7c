// Command limitprobe is the other side of the bench's limit probes: the
// least a Go program can do for each mechanism mproc builds on, so that
// mproc's figures can be held against what the machine allows. The bench
// builds it static (CGO_ENABLED=0) and runs it as a child:
//
//	limitprobe exit         return at once (the floor of exec and wait)
//	limitprobe hold         print "ready", then block until stdin closes (a minimal child's RSS)
//	limitprobe ring N       consume N words from the 8-byte-word ring in fd 3
//	limitprobe futex N      answer N futex ping-pongs on the word in fd 3
//	limitprobe spin N       answer N spinning ping-pongs on the word in fd 3
//	limitprobe echo         send back every 8 bytes read on the socket in fd 3, until EOF
//
// The shared layouts are in internal/bench/probe.
package main

import (
	"fmt"
	"io"
	"os"
	"strconv"

	"mproc/internal/bench/probe"
)

func main() {
	if len(os.Args) < 2 {
		fail("usage: limitprobe exit|hold|ring N|futex N|spin N|echo")
	}
	switch os.Args[1] {
	case "exit":
		return
	case "hold":
		fmt.Println("ready")
		_, _ = io.Copy(io.Discard, os.Stdin)
		return
	case "echo":
		if err := probe.Echo(os.NewFile(3, "socket")); err != nil {
			fail(err.Error())
		}
		return
	}
	if len(os.Args) != 3 {
		fail("limitprobe " + os.Args[1] + " needs N")
	}
	n, err := strconv.Atoi(os.Args[2])
	if err != nil || n < 1 {
		fail("N must be a positive integer, not " + strconv.Quote(os.Args[2]))
	}
	mem, err := probe.Map(os.NewFile(3, "shared"))
	if err != nil {
		fail(err.Error())
	}
	switch os.Args[1] {
	case "ring":
		err = probe.Consume(mem, n)
	case "futex":
		err = probe.AnswerFutex(mem, n)
	case "spin":
		err = probe.AnswerSpin(mem, n)
	default:
		err = fmt.Errorf("unknown mode %q", os.Args[1])
	}
	if err != nil {
		fail(err.Error())
	}
}

func fail(msg string) {
	fmt.Fprintln(os.Stderr, "limitprobe:", msg)
	os.Exit(2)
}
