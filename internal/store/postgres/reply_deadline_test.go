package postgres

import (
	"errors"
	"net"
	"os"
	"testing"
	"time"
)

// TestReplyConnTimesOutASilentServer: a server that accepted the bytes and
// never answers (a partition) ends the read after the reply timeout, and a
// deadline set by pgconn to interrupt a read (a cancelled request) still
// interrupts it, however the two race.
func TestReplyConnTimesOutASilentServer(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close() // silent: reads nothing back, writes nothing
		}
	}()
	dial := func() *replyConn {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return newReplyConn(c, 200*time.Millisecond)
	}

	c := dial()
	start := time.Now()
	_, err = c.Read(make([]byte, 1))
	if took := time.Since(start); !errors.Is(err, os.ErrDeadlineExceeded) || took < 150*time.Millisecond || took > 2*time.Second {
		t.Errorf("read from a silent server: %v after %s; want a timeout after about 200ms", err, took)
	}

	// pgconn's interrupt: a deadline in the past, set while a read waits.
	for range 50 {
		c := dial()
		c.timeout = time.Hour
		done := make(chan error, 1)
		go func() { _, err := c.Read(make([]byte, 1)); done <- err }()
		_ = c.SetDeadline(time.Now())
		select {
		case err := <-done:
			if !errors.Is(err, os.ErrDeadlineExceeded) {
				t.Fatalf("interrupted read: %v", err)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("a deadline set during a read did not interrupt it")
		}
	}

	// A bulk statement may wait longer, until restored.
	c = dial()
	restore := c.allow(300 * time.Millisecond)
	start = time.Now()
	_, _ = c.Read(make([]byte, 1))
	if took := time.Since(start); took < 450*time.Millisecond {
		t.Errorf("read with a bulk allowance ended after %s; want about 500ms", took)
	}
	restore()
	start = time.Now()
	_, _ = c.Read(make([]byte, 1))
	if took := time.Since(start); took > 400*time.Millisecond {
		t.Errorf("read after restore ended after %s; want about 200ms", took)
	}
}
