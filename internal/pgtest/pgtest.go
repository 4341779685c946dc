package pgtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// EnvServer names an existing server to use instead of starting one.
const EnvServer = "RUDDER_TEST_POSTGRES"

// startTimeout bounds initdb and the server's start.
const startTimeout = time.Minute

// installHint says how to get the binaries.
const installHint = "install PostgreSQL's server (Debian/Ubuntu: apt-get install postgresql; " +
	"hack/test does it when run as root), or set " + EnvServer + " to a connection string"

// Server is a PostgreSQL server for tests.
type Server struct {
	// admin connects to the server's maintenance database, as a user who may
	// create databases.
	admin string
	// Started is how long starting the server took; 0 for an existing one.
	Started time.Duration
	stop    func()
}

// shared is the test binary's server when Run is in use.
var shared struct {
	sync.Mutex
	inRun  bool
	server *Server
	err    error
}

// Runner is what Run runs: a *testing.M, or a wrapper of one.
type Runner interface{ Run() int }

// Run runs the package's tests and stops the server they started, if any;
// it returns the exit code. Call it from TestMain.
func Run(m Runner) int {
	shared.Lock()
	shared.inRun = true
	shared.Unlock()

	code := m.Run()

	shared.Lock()
	if shared.server != nil {
		shared.server.stop()
	}
	shared.Unlock()
	return code
}

// Start returns the server for t: the test binary's shared one under Run
// (started on first use), otherwise one started for t alone and stopped when
// t ends. It fails t if no server can be had, or skips it under -short when
// no server binaries are installed.
func Start(t testing.TB) *Server {
	t.Helper()
	shared.Lock()
	defer shared.Unlock()
	if !shared.inRun {
		s, err := start(t.Logf)
		if err != nil {
			fail(t, err)
		}
		t.Cleanup(s.stop)
		return s
	}
	if shared.server == nil && shared.err == nil {
		shared.server, shared.err = start(t.Logf)
	}
	if shared.err != nil {
		fail(t, shared.err)
	}
	return shared.server
}

func fail(t testing.TB, err error) {
	t.Helper()
	if errors.Is(err, ErrNoBinaries) && testing.Short() {
		t.Skipf("pgtest: %v (skipped under -short)", err)
	}
	t.Fatalf("pgtest: %v", err)
}

// ErrNoBinaries is returned when no PostgreSQL server binaries are installed.
var ErrNoBinaries = errors.New("no PostgreSQL server binaries (initdb, postgres) in /usr/lib/postgresql/*/bin or on $PATH")

// start finds or starts a server, as the environment says.
func start(logf func(string, ...any)) (*Server, error) {
	if conn := os.Getenv(EnvServer); conn != "" {
		if err := ping(context.Background(), conn); err != nil {
			return nil, fmt.Errorf("%s: %w", EnvServer, err)
		}
		return &Server{admin: conn, stop: func() {}}, nil
	}
	bin, err := findBinaries(debianBinaries)
	if err != nil {
		return nil, err
	}
	began := time.Now()
	s, err := startLocal(bin)
	if err != nil {
		return nil, err
	}
	s.Started = time.Since(began)
	logf("pgtest: PostgreSQL from %s up in %s", bin, s.Started.Round(10*time.Millisecond))
	return s, nil
}

// debianBinaries is where Debian's postgresql packages put each version's binaries.
const debianBinaries = "/usr/lib/postgresql/*/bin"

// findBinaries is the directory of initdb and postgres: the newest of the
// versions that pattern matches, else the one on $PATH.
func findBinaries(pattern string) (string, error) {
	dirs, _ := filepath.Glob(pattern)
	slices.SortFunc(dirs, func(a, b string) int { return version(b) - version(a) })
	for _, d := range dirs {
		if executable(filepath.Join(d, "postgres")) && executable(filepath.Join(d, "initdb")) {
			return d, nil
		}
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		d := filepath.Dir(p)
		if executable(filepath.Join(d, "postgres")) {
			return d, nil
		}
	}
	return "", fmt.Errorf("%w: %s", ErrNoBinaries, installHint)
}

// version is the major version in /usr/lib/postgresql/<v>/bin.
func version(binDir string) int {
	v, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return v
}

func executable(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0
}

// startLocal initializes a cluster in a temporary directory and starts a
// server on it, listening on a free port of 127.0.0.1 and on a socket in
// that directory.
func startLocal(bin string) (*Server, error) {
	owner, err := serverUser()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "rudder-postgres-")
	if err != nil {
		return nil, err
	}
	if err := owner.own(dir); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	data := filepath.Join(dir, "data")
	initdb := exec.CommandContext(ctx, filepath.Join(bin, "initdb"), "-D", data, "-U", "postgres",
		"--auth=trust", "--encoding=UTF8", "--locale=C", "--no-sync")
	if out, err := owner.run(initdb, dir); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("initdb: %w\n%s", err, tail(out))
	}
	// A port found free may be taken before the server binds it: try again.
	for attempt := 1; ; attempt++ {
		s, err := serve(ctx, bin, dir, owner)
		if err == nil || attempt == 3 || !errors.Is(err, errPortTaken) {
			if err != nil {
				os.RemoveAll(dir)
			}
			return s, err
		}
	}
}

var errPortTaken = errors.New("port taken")

// serve starts postgres on dir's cluster and waits until it accepts connections.
func serve(ctx context.Context, bin, dir string, owner *osUser) (*Server, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	logPath := filepath.Join(dir, "postgres.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	defer logFile.Close()
	// Durability is of no use to a throwaway server: skip the fsyncs.
	cmd := exec.Command(filepath.Join(bin, "postgres"), "-D", filepath.Join(dir, "data"),
		"-k", dir, "-p", strconv.Itoa(port), "-c", "listen_addresses=127.0.0.1",
		"-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off")
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.Dir = dir
	owner.prepare(cmd)
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start postgres: %w", err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }() //nolint:errcheck // the log says why

	stop := func() {
		cmd.Process.Signal(os.Interrupt) // fast shutdown
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-exited
		}
		os.RemoveAll(dir)
	}
	admin := fmt.Sprintf("host=127.0.0.1 port=%d user=postgres dbname=postgres sslmode=disable", port)
	for {
		pctx, cancel := context.WithTimeout(ctx, time.Second)
		err := ping(pctx, admin)
		cancel()
		if err == nil {
			return &Server{admin: admin, stop: stop}, nil
		}
		select {
		case <-exited:
			log, _ := os.ReadFile(logPath)
			if bytes.Contains(log, []byte("could not bind")) || bytes.Contains(log, []byte("already in use")) {
				return nil, fmt.Errorf("postgres on port %d: %w", port, errPortTaken)
			}
			return nil, fmt.Errorf("postgres exited before accepting connections:\n%s", tail(log))
		case <-ctx.Done():
			stop()
			return nil, fmt.Errorf("postgres did not accept connections within %s: %v", startTimeout, err)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func ping(ctx context.Context, conn string) error {
	c, err := pgx.Connect(ctx, conn)
	if err != nil {
		return err
	}
	defer c.Close(context.Background())
	return c.Ping(ctx)
}

// tail is the end of a command's output, for an error.
func tail(out []byte) string {
	const max = 2000
	if len(out) > max {
		out = out[len(out)-max:]
	}
	return strings.TrimSpace(string(out))
}

// osUser is who runs the server: this process's user, or when that is root
// (which initdb and postgres refuse), the postgres user.
type osUser struct {
	uid, gid uint32
	name     string
	switched bool
}

func serverUser() (*osUser, error) {
	if os.Geteuid() != 0 {
		return &osUser{}, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, fmt.Errorf("running as root, and PostgreSQL will not: no postgres user to run it as (%v); "+
			"Debian's postgresql package creates one, or run the tests as another user", err)
	}
	uid, _ := strconv.ParseUint(u.Uid, 10, 32)
	gid, _ := strconv.ParseUint(u.Gid, 10, 32)
	return &osUser{uid: uint32(uid), gid: uint32(gid), name: u.Username, switched: true}, nil
}

// own gives dir to the user.
func (u *osUser) own(dir string) error {
	if !u.switched {
		return nil
	}
	if err := os.Chown(dir, int(u.uid), int(u.gid)); err != nil {
		return fmt.Errorf("give %s to user %s: %w", dir, u.name, err)
	}
	return nil
}

// run runs cmd as the user in dir, returning its output.
func (u *osUser) run(cmd *exec.Cmd, dir string) ([]byte, error) {
	cmd.Dir = dir
	u.prepare(cmd)
	return cmd.CombinedOutput()
}

// serverEnv is the environment of initdb and postgres: this process's, less
// what would point them elsewhere.
func serverEnv() []string {
	return slices.DeleteFunc(os.Environ(), func(kv string) bool {
		return strings.HasPrefix(kv, "PG") || strings.HasPrefix(kv, "HOME=")
	})
}

// NewDatabase creates an empty database for t, dropped when t ends, and
// returns a connection string for it.
func (s *Server) NewDatabase(t testing.TB) string {
	t.Helper()
	name := fmt.Sprintf("rudder_test_%d_%d", os.Getpid(), seq.Add(1))
	ctx := context.Background()
	if err := s.exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("pgtest: create database %s: %v", name, err)
	}
	t.Cleanup(func() {
		// FORCE ends connections a test left open.
		if err := s.exec(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("pgtest: drop database %s: %v", name, err)
		}
	})
	return s.connString(name)
}

var seq atomic.Int64

// ConnString connects to the server's maintenance database as its admin user.
func (s *Server) ConnString() string { return s.admin }

func (s *Server) exec(ctx context.Context, sql string) error {
	c, err := pgx.Connect(ctx, s.admin)
	if err != nil {
		return err
	}
	defer c.Close(context.Background())
	_, err = c.Exec(ctx, sql)
	return err
}

// connString is the admin connection string with the database replaced.
func (s *Server) connString(db string) string {
	if u, err := url.Parse(s.admin); err == nil && (u.Scheme == "postgres" || u.Scheme == "postgresql") {
		u.Path = "/" + db
		return u.String()
	}
	// Of keyword=value pairs, the last of a keyword counts.
	return s.admin + " dbname=" + db
}
