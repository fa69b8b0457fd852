// Package pgtest gives tests a fresh, empty PostgreSQL database each.
//
// With BOXOFFICE_TEST_DATABASE_URL set, every database is created on that
// server (CREATE DATABASE test_<random>) and dropped when its test ends.
// Without it, the first test that asks starts a throw-away cluster from the
// local server binaries (/usr/lib/postgresql/*/bin: initdb into a temporary
// directory, then postgres on a free 127.0.0.1 port with durability off),
// shared by the rest of the test binary. PostgreSQL refuses to run as root,
// so under root the binaries run as the "postgres" system user that the
// Debian package creates.
//
// URLFrom gives a copy of a template database prepared once per test
// binary (say, migrated), which is faster than preparing each database.
//
// A package whose tests use it calls Main from TestMain, which stops the
// cluster and removes its directory when the tests end (or drops the
// templates from the server of BOXOFFICE_TEST_DATABASE_URL). Should the test
// binary die first, the server gets SIGQUIT from the kernel (parent-death
// signal) and exits too, so `go test` never leaves a postgres behind.
//
// When neither a URL nor the binaries are there, tests fail under CI=... and
// are skipped, with a loud message, elsewhere.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// EnvURL names the variable that points the tests at an existing server.
const EnvURL = "BOXOFFICE_TEST_DATABASE_URL"

// shared is the one cluster (or server) of this test binary. It is the
// package's only state, because a test binary has exactly one lifetime.
var shared struct {
	once    sync.Once
	admin   string // URL of a database to run CREATE DATABASE from
	cluster *Cluster
	err     error
}

// Main runs the tests of a package and then stops the cluster this
// package's tests started, if any. Call it from TestMain:
//
//	func TestMain(m *testing.M) { pgtest.Main(m) }
func Main(m *testing.M) {
	code := m.Run()
	if c := shared.cluster; c != nil {
		c.remove()
	} else if shared.admin != "" {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		for _, tp := range templates.names {
			if tp.name != "" {
				_ = execAdmin(ctx, shared.admin, "DROP DATABASE IF EXISTS "+tp.name+" WITH (FORCE)")
			}
		}
		cancel()
	}
	os.Exit(code)
}

// URL returns the URL of a new, empty database for t, dropped (on a server
// given by BOXOFFICE_TEST_DATABASE_URL) when t ends. It skips or fails t
// when PostgreSQL is not available.
func URL(t testing.TB) string {
	t.Helper()
	server(t)
	return createFrom(t, shared.admin, "", ownCluster(), fileCopy())
}

// server starts the shared cluster the first time it is needed, or ends t
// when there can be none.
func server(t testing.TB) {
	t.Helper()
	shared.once.Do(func() {
		if u := os.Getenv(EnvURL); u != "" {
			shared.admin = u
			return
		}
		start := time.Now()
		c, err := startCluster()
		if err != nil {
			shared.err = err
			return
		}
		shared.cluster, shared.admin = c, c.adminURL()
		fmt.Fprintf(os.Stderr, "pgtest: started a throw-away PostgreSQL %s cluster on 127.0.0.1:%d in %s\n",
			c.version, c.port, time.Since(start).Round(time.Millisecond))
	})
	if shared.err != nil {
		unavailable(t, shared.err)
	}
}

// ownCluster reports whether the databases live on our throw-away cluster
// (rather than on a server from BOXOFFICE_TEST_DATABASE_URL, where they
// must be dropped).
func ownCluster() bool { return shared.cluster != nil }

// fileCopy reports whether CREATE DATABASE … STRATEGY FILE_COPY is there
// (PostgreSQL 15 and later): copying a template's few files beats writing
// them all to the WAL, the default, for a tiny database.
func fileCopy() bool { return ownCluster() && shared.cluster.major() >= 15 }

// templates are databases prepared once per test binary, by name.
var templates struct {
	mu    sync.Mutex
	names map[string]*template
}

type template struct {
	once sync.Once
	name string
	err  error
}

// URLFrom returns the URL of a new database for t that starts as a copy of
// a template which prepare (given the template's URL) fills once per test
// binary, for example with a migrated schema. Copying a prepared database
// is much faster than preparing each one.
func URLFrom(t testing.TB, key string, prepare func(url string) error) string {
	t.Helper()
	server(t)
	templates.mu.Lock()
	if templates.names == nil {
		templates.names = map[string]*template{}
	}
	tp := templates.names[key]
	if tp == nil {
		tp = &template{}
		templates.names[key] = tp
	}
	templates.mu.Unlock()
	tp.once.Do(func() {
		tp.name = randomName("tmpl_")
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if tp.err = execAdmin(ctx, shared.admin, "CREATE DATABASE "+tp.name); tp.err == nil {
			tp.err = prepare(dbURL(shared.admin, tp.name))
		}
	})
	if tp.err != nil {
		t.Fatalf("pgtest: prepare template %q: %v", key, tp.err)
	}
	return createFrom(t, shared.admin, tp.name, !ownCluster(), fileCopy())
}

// unavailable ends a test that needs PostgreSQL when there is none.
func unavailable(t testing.TB, err error) {
	t.Helper()
	msg := fmt.Sprintf(`
*****************************************************************************
*  PostgreSQL TESTS DID NOT RUN: %v
*  Install the server binaries (apt-get install postgresql: the tests start
*  their own throw-away cluster from /usr/lib/postgresql/*/bin), or point
*  %s at a server where the tests may create databases.
*****************************************************************************`, err, EnvURL)
	if os.Getenv("CI") != "" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

// createFrom makes test_<random> on the server of admin, as a copy of
// template ("" for the server's default, an empty database), and returns
// its URL. drop removes it when t ends (pointless on a throw-away
// cluster); copyFiles picks the faster strategy of PostgreSQL 15 and later.
func createFrom(t testing.TB, admin, template string, drop, copyFiles bool) string {
	t.Helper()
	name := randomName("test_")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	create := "CREATE DATABASE " + name
	if template != "" {
		create += " TEMPLATE " + template
	}
	if copyFiles {
		create += " STRATEGY FILE_COPY"
	}
	if err := execAdmin(ctx, admin, create); err != nil {
		t.Fatalf("pgtest: create database: %v", err)
	}
	if drop {
		t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			if err := execAdmin(ctx, admin, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
				t.Logf("pgtest: drop database %s: %v", name, err)
			}
		})
	}
	return dbURL(admin, name)
}

func randomName(prefix string) string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return prefix + hex.EncodeToString(b[:])
}

// dbURL is admin's URL with another database name.
func dbURL(admin, name string) string {
	u, err := url.Parse(admin)
	if err != nil {
		return admin
	}
	u.Path = "/" + name
	return u.String()
}

func execAdmin(ctx context.Context, admin, sql string) error {
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	_, err = conn.Exec(ctx, sql)
	return err
}

// Cluster is a throw-away PostgreSQL server: a data directory in a
// temporary directory and a postgres process listening on 127.0.0.1.
type Cluster struct {
	bin     string // directory of initdb and postgres
	version string
	dir     string // temporary directory: data/, the socket, server.log
	port    int
	cred    *syscall.Credential // the postgres user, when we are root

	mu   sync.Mutex
	proc *exec.Cmd
	exit chan struct{}
}

// NewCluster starts a cluster of t's own, removed when t ends: for tests
// that stop and start the server.
func NewCluster(t testing.TB) *Cluster {
	t.Helper()
	start := time.Now()
	c, err := startCluster()
	if err != nil {
		unavailable(t, err)
	}
	t.Logf("pgtest: started a dedicated PostgreSQL %s cluster on 127.0.0.1:%d in %s", c.version, c.port, time.Since(start).Round(time.Millisecond))
	t.Cleanup(c.remove)
	return c
}

// URL returns the URL of a new, empty database on the cluster.
func (c *Cluster) URL(t testing.TB) string {
	t.Helper()
	return createFrom(t, c.adminURL(), "", false, c.major() >= 15)
}

// Stop shuts the server down (fast shutdown: connections are closed) and
// waits until it has exited.
func (c *Cluster) Stop(t testing.TB) {
	t.Helper()
	if err := c.stop(); err != nil {
		t.Fatalf("pgtest: stop cluster: %v", err)
	}
}

// Start starts a stopped server again on the same port.
func (c *Cluster) Start(t testing.TB) {
	t.Helper()
	if err := c.start(); err != nil {
		t.Fatalf("pgtest: restart cluster: %v", err)
	}
}

// major is the server's major version, 0 when unknown.
func (c *Cluster) major() int {
	n, _ := strconv.Atoi(c.version)
	return n
}

func (c *Cluster) adminURL() string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", c.port)
}

// findBinaries returns the bin directory of the newest installed server.
func findBinaries() (bin, version string, err error) {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool {
		vi, _ := strconv.Atoi(filepath.Base(filepath.Dir(dirs[i])))
		vj, _ := strconv.Atoi(filepath.Base(filepath.Dir(dirs[j])))
		return vi > vj
	})
	for _, d := range dirs {
		if isExec(filepath.Join(d, "initdb")) && isExec(filepath.Join(d, "postgres")) {
			return d, filepath.Base(filepath.Dir(d)), nil
		}
	}
	if p, err := exec.LookPath("initdb"); err == nil && isExec(filepath.Join(filepath.Dir(p), "postgres")) {
		return filepath.Dir(p), "", nil
	}
	return "", "", errors.New("no PostgreSQL server binaries (initdb, postgres) in /usr/lib/postgresql/*/bin or on PATH")
}

func isExec(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0
}

func startCluster() (*Cluster, error) {
	bin, version, err := findBinaries()
	if err != nil {
		return nil, err
	}
	c := &Cluster{bin: bin, version: version}
	base := ""
	if os.Geteuid() == 0 {
		// The server may not run as root: use the postgres system user,
		// in a directory it owns under the world-traversable /tmp.
		u, err := user.Lookup("postgres")
		if err != nil {
			return nil, fmt.Errorf("running as root and there is no postgres user to run the server as: %w", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		c.cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
		base = "/tmp"
	}
	if c.dir, err = os.MkdirTemp(base, "boxoffice-pg-"); err != nil {
		return nil, err
	}
	if c.cred != nil {
		if err := os.Chown(c.dir, int(c.cred.Uid), int(c.cred.Gid)); err != nil {
			os.RemoveAll(c.dir)
			return nil, err
		}
	}
	initdb := c.command(filepath.Join(bin, "initdb"), "-D", filepath.Join(c.dir, "data"), "--username=postgres", "--auth=trust",
		"--encoding=UTF8", "--locale=C", "--no-sync", "--no-instructions")
	if out, err := initdb.CombinedOutput(); err != nil {
		os.RemoveAll(c.dir)
		return nil, fmt.Errorf("initdb: %v: %s", err, out)
	}
	for attempt := 0; ; attempt++ {
		if c.port, err = freePort(); err == nil {
			if err = c.start(); err == nil {
				return c, nil
			}
		}
		if attempt == 2 {
			os.RemoveAll(c.dir)
			return nil, err
		}
	}
}

// command prepares a server binary to run as the right user in c.dir.
func (c *Cluster) command(name string, args ...string) *exec.Cmd {
	cmd := exec.Command(name, args...)
	cmd.Dir = c.dir
	cmd.Env = append(os.Environ(), "LC_ALL=C", "TZ=UTC")
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: c.cred}
	return cmd
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// start runs postgres in the foreground as our child and waits until it
// accepts connections. Durability is off: the data is thrown away.
func (c *Cluster) start() error {
	logf, err := os.OpenFile(filepath.Join(c.dir, "server.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer logf.Close()
	cmd := c.command(filepath.Join(c.bin, "postgres"), "-D", filepath.Join(c.dir, "data"), "-p", strconv.Itoa(c.port), "-k", c.dir,
		"-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
		"-c", "max_connections=300", "-c", "shared_buffers=64MB")
	cmd.Stdout, cmd.Stderr = logf, logf
	// If the test binary dies without stopping us, the kernel sends the
	// server SIGQUIT (immediate shutdown), so no postgres is left behind.
	cmd.SysProcAttr.Pdeathsig = syscall.SIGQUIT
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start postgres: %w", err)
	}
	exit := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exit) }()
	c.mu.Lock()
	c.proc, c.exit = cmd, exit
	c.mu.Unlock()
	deadline := time.Now().Add(60 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		conn, err := pgx.Connect(ctx, c.adminURL())
		cancel()
		if err == nil {
			conn.Close(context.Background())
			return nil
		}
		select {
		case <-exit:
			return fmt.Errorf("postgres exited at start-up: %s", c.logTail())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			_ = c.stop()
			return fmt.Errorf("postgres did not accept connections in 60s: %v: %s", err, c.logTail())
		}
	}
}

// stop asks the server for a fast shutdown and waits for it to exit.
func (c *Cluster) stop() error {
	c.mu.Lock()
	proc, exit := c.proc, c.exit
	c.proc = nil
	c.mu.Unlock()
	if proc == nil {
		return nil
	}
	_ = proc.Process.Signal(syscall.SIGINT)
	select {
	case <-exit:
		return nil
	case <-time.After(30 * time.Second):
		_ = proc.Process.Signal(syscall.SIGQUIT)
		<-exit
		return errors.New("postgres did not stop in 30s; sent SIGQUIT")
	}
}

// remove stops the server and deletes its directory.
func (c *Cluster) remove() {
	_ = c.stop()
	os.RemoveAll(c.dir)
}

func (c *Cluster) logTail() string {
	b, _ := os.ReadFile(filepath.Join(c.dir, "server.log"))
	s := string(b)
	if len(s) > 2000 {
		s = s[len(s)-2000:]
	}
	return strings.TrimSpace(s)
}
