//go:build race

package web_test

// raceDetector reports a -race build: the server runs many times slower
// under it, so timing assertions only log, and the 80,879-seat demo is
// not loaded (it alone would take minutes).
const raceDetector = true
