// Command clusterctl runs Rudder's local Kubernetes control plane (package
// internal/localcluster). People run it through hack/cluster, which builds it
// and passes --source; see hack/cluster help.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/rudderpm/rudder/internal/localcluster"
)

const usage = `Usage: hack/cluster COMMAND [FLAGS]

Rudder's local Kubernetes control plane: etcd, kube-apiserver,
kube-controller-manager and kube-scheduler (Kubernetes %[1]s) and kwok fake
nodes, built from Go modules, listening on 127.0.0.1 only.

Commands:
  up       build what is missing, start the cluster (or reuse a running one)
           and print  export KUBECONFIG=<path>  on stdout, so that
               eval "$(hack/cluster up)"
           points kubectl and rudder at it. Progress goes to stderr.
  down     stop the cluster's own processes and remove its directory
  status   say whether the cluster is up, and its kubeconfig
  build    build and cache the binaries only (CI runs this before the tests)
  env      print the export line of a running cluster, like up without starting
  help     this text

Flags:
  --name NAME   cluster name (default "default"); its directory is
                $RUDDER_CLUSTER_HOME/NAME, by default
                ${XDG_CACHE_HOME:-$HOME/.cache}/rudder/clusters/NAME
  --dir DIR     cluster directory, instead of --name
  --nodes N     fake nodes to create (up; default 1)
  --keep        leave the directory (logs, etcd data) in place (down)
  --timeout D   how long up waits for the cluster (default 3m)

Binaries are cached in $RUDDER_CLUSTER_CACHE, by default
${XDG_CACHE_HOME:-$HOME/.cache}/rudder/cluster/<component>-<version>[-<digest>]:
etcd %[2]s, kube-* %[1]s, kwok %[3]s. The first build takes several minutes.
hack/cluster keeps its builds of this command there too (clusterctl-<digest>),
one per change of its sources, the 4 last used.

Pods on the fake nodes become Running and Ready at once. Pods with
restartPolicy Never or OnFailure (Jobs, hooks, chart tests) then Succeed
after about a second. Annotations change that:
%[4]s`

// annotations are the rows under "Annotations change that:" in the usage:
// an example annotation and what it does.
var annotations = [][2]string{
	{localcluster.AnnotationFail + `: "true"`, "end Failed (exit code 1) instead"},
	{localcluster.AnnotationUnready + `: "true"`, "stay Running, never Ready, never complete"},
	{localcluster.AnnotationRunDuration + `: "30s"`, "run that long before ending (default 1s)"},
	{localcluster.AnnotationStartDelay + `: "5s"`, "stay Pending that long before running"},
}

// annotationTable lays out annotations in two columns, the second starting
// three spaces after the longest example.
func annotationTable() string {
	width := 0
	for _, a := range annotations {
		width = max(width, len(a[0]))
	}
	var b strings.Builder
	for _, a := range annotations {
		fmt.Fprintf(&b, "  %-*s   %s\n", width, a[0], a[1])
	}
	return b.String()
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	switch {
	case errors.Is(err, flag.ErrHelp):
		os.Exit(0)
	case errors.Is(err, errNotUp): // status said so on stdout
		os.Exit(1)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "hack/cluster:", err)
		os.Exit(1)
	}
}

type flags struct {
	source, name, dir string
	nodes             int
	keep              bool
	timeout           time.Duration
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	printUsage := func(w io.Writer) {
		fmt.Fprintf(w, usage, localcluster.KubernetesVersion, localcluster.EtcdVersion, localcluster.KwokVersion,
			annotationTable())
	}
	if len(args) == 0 {
		printUsage(stderr)
		return errors.New("no command given")
	}
	cmd, args := args[0], args[1:]
	if cmd == "help" || cmd == "-h" || cmd == "--help" {
		printUsage(stdout)
		return nil
	}

	var f flags
	fs := flag.NewFlagSet(cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { printUsage(stderr) }
	fs.StringVar(&f.source, "source", "", "directory of the build modules (hack/build); set by hack/cluster")
	fs.StringVar(&f.name, "name", "default", "cluster name")
	fs.StringVar(&f.dir, "dir", "", "cluster directory")
	fs.IntVar(&f.nodes, "nodes", 1, "fake nodes")
	fs.BoolVar(&f.keep, "keep", false, "keep the directory")
	fs.DurationVar(&f.timeout, "timeout", 3*time.Minute, "how long up waits")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%s: unexpected arguments %q", cmd, fs.Args())
	}
	logf := func(format string, a ...any) {
		fmt.Fprintf(stderr, "cluster: "+format+"\n", a...)
	}
	build := localcluster.BuildOptions{Source: f.source, Logf: logf}

	switch cmd {
	case "build":
		_, err := localcluster.Build(ctx, build)
		return err
	case "up":
		dir, err := f.clusterDir()
		if err != nil {
			return err
		}
		bins, err := localcluster.Build(ctx, build)
		if err != nil {
			return err
		}
		ctx, cancel := context.WithTimeout(ctx, f.timeout)
		defer cancel()
		c, err := localcluster.Up(ctx, localcluster.Options{
			Dir: dir, Binaries: bins, Nodes: f.nodes, Detach: true, Logf: logf,
		})
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "export KUBECONFIG=%s\n", shellQuote(c.Kubeconfig()))
		fmt.Fprintf(stderr, "cluster: %s is up at %s (logs in %s)\n", c.Name(), c.Server(), c.LogDir())
		fmt.Fprintf(stderr, "cluster: use it with  eval \"$(hack/cluster up%s)\"  or  export KUBECONFIG=%s\n", f.flagsForHint(), shellQuote(c.Kubeconfig()))
		fmt.Fprintf(stderr, "cluster: stop it with  hack/cluster down%s\n", f.flagsForHint())
		return nil
	case "env", "status":
		dir, err := f.clusterDir()
		if err != nil {
			return err
		}
		c, err := localcluster.Open(dir)
		if err == nil {
			err = c.Check(ctx)
		}
		if cmd == "env" {
			if err != nil {
				return fmt.Errorf("cluster in %s is not up: %w", dir, err)
			}
			fmt.Fprintf(stdout, "export KUBECONFIG=%s\n", shellQuote(c.Kubeconfig()))
			return nil
		}
		if err != nil {
			fmt.Fprintf(stdout, "down: %s (%v)\n", dir, err)
			return errNotUp
		}
		fmt.Fprintf(stdout, "up: %s at %s, nodes %s, since %s\nexport KUBECONFIG=%s\n",
			c.Name(), c.Server(), strings.Join(c.Nodes(), ","), c.Started().Format(time.RFC3339), shellQuote(c.Kubeconfig()))
		return nil
	case "down":
		dir, err := f.clusterDir()
		if err != nil {
			return err
		}
		if err := localcluster.Down(ctx, dir, localcluster.DownOptions{KeepDir: f.keep}); err != nil {
			return err
		}
		logf("stopped %s", dir)
		return nil
	default:
		printUsage(stderr)
		return fmt.Errorf("unknown command %q", cmd)
	}
}

// errNotUp makes status exit 1 without more words: it said "down" already.
var errNotUp = errors.New("cluster is not up")

func (f flags) clusterDir() (string, error) {
	if f.dir != "" {
		return filepath.Abs(f.dir)
	}
	if f.name == "" || strings.ContainsAny(f.name, `/\`) || f.name == "." || f.name == ".." {
		return "", fmt.Errorf("invalid cluster name %q", f.name)
	}
	home := os.Getenv("RUDDER_CLUSTER_HOME")
	if home == "" {
		base, err := os.UserCacheDir()
		if err != nil {
			return "", err
		}
		home = filepath.Join(base, "rudder", "clusters")
	}
	return filepath.Join(home, f.name), nil
}

func (f flags) flagsForHint() string {
	switch {
	case f.dir != "":
		return " --dir " + shellQuote(f.dir)
	case f.name != "default":
		return " --name " + shellQuote(f.name)
	}
	return ""
}

// shellQuote quotes s for a POSIX shell when it needs it.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._-+=:,@") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
