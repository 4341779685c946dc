// Package startup holds the garbage collector off while Go initialises the
// packages linked into the binary, and gives it back when the program starts.
//
// Every command pays for the init functions of every linked package before main
// runs (issue 19). They allocate about 8 MiB that stays mostly live, and with the
// default GOGC a heap that small is collected three times during initialisation:
// a quarter of `rudder version`'s CPU. Importing this package turns collection
// off as early as the init order allows (it imports only the runtime's own
// packages and sync, so it runs before the heavy initialisers); Resume restores
// the setting the process started with (GOGC from the environment, or 100), the
// first collection waiting for the command's own allocations. Only cmd/rudder
// imports it, first thing in main:
//
//	func main() {
//		startup.Resume()
//		os.Exit(cli.Main(os.Args[1:], cli.OSStreams()))
//	}
//
// A program that links it and never calls Resume never collects garbage, so no
// library imports it. A GOMEMLIMIT still bounds the heap while collection is off.
// The command's own window before its first collection is cli's (gcWindow):
// Resume only makes sure none starts between main and that window.
package startup
