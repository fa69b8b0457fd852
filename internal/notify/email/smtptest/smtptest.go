// Package smtptest runs a real SMTP server in the test process
// (github.com/emersion/go-smtp): the mail transport's tests and the
// multi-instance tests send to it and read back what it received. It can
// misbehave as mail servers do: refuse a recipient for good, fail a
// message for now (4xx), drop the connection before answering, answer too
// slowly, or refuse every session.
package smtptest

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Message is one message the server accepted.
type Message struct {
	From      string
	To        []string
	Raw       []byte
	MessageID string
	At        time.Time
}

// Options choose how the server speaks.
type Options struct {
	STARTTLS    bool // offer STARTTLS (smtp:// upgrades)
	ImplicitTLS bool // TLS from the first byte (smtps://)
	User, Pass  string
}

// Server is a running SMTP server.
type Server struct {
	Addr string
	// URL is what --smtp-url would be to reach it, credentials included.
	URL string
	// ClientTLS trusts the server's self-signed certificate.
	ClientTLS *tls.Config

	srv *smtp.Server
	mu  sync.Mutex
	got []Message
	// faults
	refuse   map[string]bool
	tempFail int
	drop     int
	delay    time.Duration
	down     bool
	sessions int
}

// Start runs a server on 127.0.0.1 until the test ends.
func Start(t testing.TB, o Options) *Server {
	t.Helper()
	s := &Server{refuse: map[string]bool{}}
	be := smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.sessions++
		if s.down {
			return nil, &smtp.SMTPError{Code: 421, EnhancedCode: smtp.EnhancedCode{4, 3, 2}, Message: "Service not available, try later"}
		}
		return &session{s: s, c: c, o: o}, nil
	})
	s.srv = smtp.NewServer(be)
	s.srv.Domain = "smtptest.localhost"
	s.srv.ReadTimeout, s.srv.WriteTimeout = 30*time.Second, 30*time.Second
	s.srv.AllowInsecureAuth = !o.STARTTLS && !o.ImplicitTLS
	scheme := "smtp"
	var ln net.Listener
	var err error
	if o.STARTTLS || o.ImplicitTLS {
		serverTLS, clientTLS := certificate(t)
		s.ClientTLS = clientTLS
		if o.STARTTLS {
			s.srv.TLSConfig = serverTLS
		}
		if o.ImplicitTLS {
			scheme = "smtps"
			ln, err = tls.Listen("tcp", "127.0.0.1:0", serverTLS)
		}
	}
	if ln == nil && err == nil {
		ln, err = net.Listen("tcp", "127.0.0.1:0")
	}
	if err != nil {
		t.Fatal(err)
	}
	s.Addr = ln.Addr().String()
	s.URL = scheme + "://" + s.Addr
	if o.User != "" {
		s.URL = scheme + "://" + o.User + ":" + o.Pass + "@" + s.Addr
	}
	go func() { _ = s.srv.Serve(ln) }()
	t.Cleanup(func() { _ = s.srv.Close() })
	return s
}

// Messages returns every message accepted, in order, duplicates included.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.got...)
}

// Unique returns the accepted messages by Message-ID, as a mailbox that
// keeps one copy of each would hold them.
func (s *Server) Unique() map[string]Message {
	out := map[string]Message{}
	for _, m := range s.Messages() {
		if _, ok := out[m.MessageID]; !ok {
			out[m.MessageID] = m
		}
	}
	return out
}

// Sessions counts the connections the server has taken.
func (s *Server) Sessions() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sessions
}

// Refuse makes the server reject mail to addr for good (550).
func (s *Server) Refuse(addr string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refuse[strings.ToLower(addr)] = true
}

// FailNext makes the next n messages fail for now (451 after DATA).
func (s *Server) FailNext(n int) { s.set(func() { s.tempFail = n }) }

// DropNext makes the server read the next n messages and then close the
// connection without answering: the sender cannot know whether it went.
func (s *Server) DropNext(n int) { s.set(func() { s.drop = n }) }

// Delay makes the server wait d before answering each message.
func (s *Server) Delay(d time.Duration) { s.set(func() { s.delay = d }) }

// Down makes the server refuse every new session (421) until Down(false).
func (s *Server) Down(down bool) { s.set(func() { s.down = down }) }

func (s *Server) set(f func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f()
}

type session struct {
	s    *Server
	c    *smtp.Conn
	o    Options
	auth bool
	from string
	to   []string
}

func (ss *session) AuthMechanisms() []string {
	if ss.o.User == "" {
		return nil
	}
	return []string{sasl.Plain}
}

func (ss *session) Auth(mech string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if user != ss.o.User || pass != ss.o.Pass {
			return &smtp.SMTPError{Code: 535, EnhancedCode: smtp.EnhancedCode{5, 7, 8}, Message: "Authentication credentials invalid"}
		}
		ss.auth = true
		return nil
	}), nil
}

func (ss *session) Mail(from string, _ *smtp.MailOptions) error {
	if ss.o.User != "" && !ss.auth {
		return &smtp.SMTPError{Code: 530, EnhancedCode: smtp.EnhancedCode{5, 7, 0}, Message: "Authentication required"}
	}
	ss.from = from
	return nil
}

func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	ss.s.mu.Lock()
	refused := ss.s.refuse[strings.ToLower(to)]
	ss.s.mu.Unlock()
	if refused {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "No such user here"}
	}
	ss.to = append(ss.to, to)
	return nil
}

var errDropped = errors.New("connection dropped by smtptest")

func (ss *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s := ss.s
	s.mu.Lock()
	delay := s.delay
	temp := s.tempFail > 0
	if temp {
		s.tempFail--
	}
	drop := !temp && s.drop > 0
	if drop {
		s.drop--
	}
	s.mu.Unlock()
	if delay > 0 {
		time.Sleep(delay)
	}
	if temp {
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "Temporary failure, try again later"}
	}
	m := Message{From: ss.from, To: ss.to, Raw: raw, At: time.Now()}
	if pm, err := mail.ReadMessage(bytes.NewReader(raw)); err == nil {
		m.MessageID = pm.Header.Get("Message-Id")
	}
	if drop {
		// The message arrived and is kept (a real server may have queued
		// it), but the answer never reaches the sender.
		s.mu.Lock()
		s.got = append(s.got, m)
		s.mu.Unlock()
		_ = ss.c.Conn().Close()
		return errDropped
	}
	s.mu.Lock()
	s.got = append(s.got, m)
	s.mu.Unlock()
	return nil
}

func (ss *session) Reset()        { ss.from, ss.to = "", nil }
func (ss *session) Logout() error { return nil }

// certificate makes a self-signed certificate for 127.0.0.1 and a client
// configuration that trusts it.
func certificate(t testing.TB) (server, client *tls.Config) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "smtptest"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, DNSNames: []string{"localhost"},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	server = &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key, Leaf: cert}}, MinVersion: tls.VersionTLS12}
	client = &tls.Config{RootCAs: pool, ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12}
	return server, client
}

// String describes the server for test logs.
func (s *Server) String() string { return fmt.Sprintf("smtptest %s", s.URL) }

// Count is how many messages the server accepted, duplicates included.
func (s *Server) Count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.got)
}
