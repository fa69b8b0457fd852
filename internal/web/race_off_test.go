//go:build !race

package web_test

// raceDetector reports a -race build; see race_on_test.go.
const raceDetector = false
