//go:build !race

package spawn

const raceExitOption = ""
