package httpapi

import (
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"
	"testing"
)

// TestBrokenConnectionsAreOutages: an error that reached the handler from a
// dead connection is the service's outage (503, to be retried), not a bug
// (500), however the driver wrapped it.
func TestBrokenConnectionsAreOutages(t *testing.T) {
	reset := &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}
	for _, err := range []error{
		fmt.Errorf("hold seats: failed to receive message: %w", reset),
		fmt.Errorf("start order: %w", io.ErrUnexpectedEOF),
		fmt.Errorf("failed to connect: %w", &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}),
	} {
		if p, failure := problemFor(err); p.Status != 503 || !failure {
			t.Errorf("problemFor(%v) = %d; want 503", err, p.Status)
		}
	}
	if p, _ := problemFor(errors.New("nil map")); p.Status != 500 {
		t.Errorf("a plain error = %d; want 500", p.Status)
	}
}
