// Package pgtest gives tests a real PostgreSQL server: a throwaway one
// started from the installed server binaries, one per test binary, on a free
// port of 127.0.0.1, or an existing one named by the environment. Each test
// gets a database of its own.
//
// Use it from TestMain, so that one server serves the whole package and is
// stopped at the end; it starts only when a test first asks for it:
//
//	func TestMain(m *testing.M) { os.Exit(pgtest.Run(m)) }
//
//	func TestStore(t *testing.T) {
//		conn := pgtest.Start(t).NewDatabase(t) // dropped when t ends
//		d, err := storage.OpenSQL(conn, storage.DriverOptions{})
//		...
//	}
//
// Without Run, Start gives each test a server of its own (a second or two each).
//
// The binaries are looked for in /usr/lib/postgresql/*/bin (Debian's
// postgresql package), then on $PATH. Without them, tests that call Start fail
// saying how to install them, or skip under -short. initdb and postgres refuse
// to run as root: as root, the server runs as the postgres user that Debian's
// package creates.
//
// Environment:
//
//	RUDDER_TEST_POSTGRES=connstring   use that server (its user may create databases)
package pgtest
