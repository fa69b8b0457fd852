package main

import (
	"os"
	"runtime/pprof"
)

// startCPUProfile profiles the process's CPU into path until stop is
// called; with path "" it does nothing. The bench commands profile only
// their measured phase, server and clients together.
func startCPUProfile(path string) (stop func(), err error) {
	if path == "" {
		return func() {}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}
