// Package startup decides when the rudder process collects garbage: not while Go
// initialises the packages linked into the binary, and not before the command has
// used a window of memory (Window).
//
// Every command pays for the init functions of every linked package before main
// runs (issue 19). They allocate about 8 MiB that stays mostly live, and with the
// default GOGC a heap that small is collected three times during initialisation:
// a quarter of `rudder version`'s CPU. Importing this package turns collection
// off as early as the init order allows (it imports only the runtime's own
// packages and sync, so it runs before the heavy initialisers). Resume then lets
// the command use Window before the first collection, after which GOGC=100
// applies as usual. A GOGC or GOMEMLIMIT the user set is honoured instead. Only
// cmd/rudder imports it, first thing in main:
//
//	func main() {
//		startup.Resume(os.Getenv)
//		os.Exit(cli.Main(os.Args[1:], cli.OSStreams()))
//	}
//
// A program that links it and never calls Resume never collects garbage, so no
// library imports it. A GOMEMLIMIT still bounds the heap while collection is off.
package startup
