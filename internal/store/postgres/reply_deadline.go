package postgres

import (
	"net"
	"sync"
	"time"
)

// replyConn bounds how long a connection waits for the server's reply.
//
// The statement timeout is the server's own limit, and it only helps while
// the server is there to enforce it. When the network between us drops
// every packet (a partition, a hung proxy, a server that stopped without
// closing its sockets), a read waits for bytes that never come, for as long
// as TCP keeps the socket open: minutes. Every request holding that
// connection would hang, and so would every request queued behind it for
// the pool. So each read from the server must end within the reply timeout
// (the statement timeout plus a margin for the network and the commit): a
// read that ends in a timeout breaks the connection, the pool drops it, and
// the request fails as unavailable.
//
// pgconn sets its own deadlines on the connection to interrupt a read when
// a request's context ends; those are kept, and the earlier deadline wins.
// An idle pooled connection is not being read, so it has no deadline.
type replyConn struct {
	net.Conn
	timeout time.Duration

	mu    sync.Mutex
	set   time.Time     // the read deadline pgconn asked for; zero: none
	extra time.Duration // a longer wait asked for by a bulk statement
}

func newReplyConn(c net.Conn, timeout time.Duration) *replyConn {
	return &replyConn{Conn: c, timeout: timeout}
}

// Read waits at most the reply timeout (or pgconn's deadline if earlier).
// The mutex is held while the deadline is set so that a cancellation's
// deadline landing at the same moment is never overwritten by a later one.
func (c *replyConn) Read(p []byte) (int, error) {
	c.mu.Lock()
	d := time.Now().Add(c.timeout + c.extra)
	if !c.set.IsZero() && c.set.Before(d) {
		d = c.set
	}
	err := c.Conn.SetReadDeadline(d)
	c.mu.Unlock()
	if err != nil {
		return 0, err
	}
	return c.Conn.Read(p)
}

func (c *replyConn) SetDeadline(t time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.set = t
	return c.Conn.SetDeadline(t)
}

func (c *replyConn) SetReadDeadline(t time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.set = t
	return c.Conn.SetReadDeadline(t)
}

// allow lets the statements that follow take d more than the reply timeout
// to answer, until the returned func is called.
func (c *replyConn) allow(d time.Duration) (restore func()) {
	c.mu.Lock()
	c.extra = d
	c.mu.Unlock()
	return func() {
		c.mu.Lock()
		c.extra = 0
		c.mu.Unlock()
	}
}
