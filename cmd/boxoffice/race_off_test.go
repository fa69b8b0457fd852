//go:build !race

package main

// raceBuild tells tests that build the binary to build it with -race too,
// which reuses the packages `go test -race` has just compiled.
const raceBuild = false
