package localcluster

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"
)

// ErrNotBuilt reports that a component's binaries are not in the cache.
var ErrNotBuilt = errors.New("not built")

// Binaries holds the paths of the control-plane executables.
type Binaries struct {
	Etcd              string
	APIServer         string
	ControllerManager string
	Scheduler         string
	Kwok              string
}

// BuildOptions says where to find the build modules and where to cache the
// binaries. The zero value is valid when the working directory is inside a
// Rudder checkout.
type BuildOptions struct {
	// Source is the directory holding the build modules (hack/build in the
	// repository, with etcd/ and kube/ inside). Zero: found by FindSource
	// from the working directory.
	Source string
	// CacheDir is where built binaries live, one directory per component and
	// version. Zero: DefaultCacheDir().
	CacheDir string
	// Go is the go command to build with. Zero: "go" from PATH.
	Go string
	// Logf receives progress lines. Nil: progress is dropped.
	Logf func(format string, args ...any)
}

// component is one cached build: a directory of executables.
type component struct {
	name    string   // cache directory prefix
	version string   // pinned version
	module  string   // build module under Source ("" for go install)
	pkgs    []string // packages to build
	bins    []string // executables they produce
}

func components() []component {
	return []component{
		{name: "etcd", version: EtcdVersion, module: "etcd", pkgs: []string{"."}, bins: []string{"etcd"}},
		{name: "kwok", version: KwokVersion, pkgs: []string{"sigs.k8s.io/kwok/cmd/kwok@" + KwokVersion}, bins: []string{"kwok"}},
		{name: "kube", version: KubernetesVersion, module: "kube",
			pkgs: []string{"k8s.io/kubernetes/cmd/kube-apiserver", "k8s.io/kubernetes/cmd/kube-controller-manager", "k8s.io/kubernetes/cmd/kube-scheduler"},
			bins: []string{"kube-apiserver", "kube-controller-manager", "kube-scheduler"}},
	}
}

// DefaultCacheDir is $RUDDER_CLUSTER_CACHE if set, else
// ${XDG_CACHE_HOME:-$HOME/.cache}/rudder/cluster.
func DefaultCacheDir() (string, error) {
	if d := os.Getenv("RUDDER_CLUSTER_CACHE"); d != "" {
		return filepath.Abs(d)
	}
	base, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("cache directory: %w", err)
	}
	return filepath.Join(base, "rudder", "cluster"), nil
}

// FindSource walks up from dir to the Rudder checkout that holds the build
// modules and returns their directory (<checkout>/hack/build).
func FindSource(dir string) (string, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for d := dir; ; d = filepath.Dir(d) {
		src := filepath.Join(d, "hack", "build")
		if _, err := os.Stat(filepath.Join(src, "kube", "go.mod")); err == nil {
			return src, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("no hack/build/kube/go.mod in %s or its parents: not inside a Rudder checkout", dir)
		}
	}
}

func (o BuildOptions) resolve() (BuildOptions, error) {
	if o.Source == "" {
		wd, err := os.Getwd()
		if err != nil {
			return o, err
		}
		if o.Source, err = FindSource(wd); err != nil {
			return o, err
		}
	}
	if o.CacheDir == "" {
		d, err := DefaultCacheDir()
		if err != nil {
			return o, err
		}
		o.CacheDir = d
	}
	if o.Go == "" {
		o.Go = "go"
	}
	if o.Logf == nil {
		o.Logf = func(string, ...any) {}
	}
	return o, nil
}

// key names the cache directory of c: name, version and, for components
// built from a module in Source, a digest of that module's files, so that an
// edit to the build module builds anew.
func (o BuildOptions) key(c component) (string, error) {
	if c.module == "" {
		return c.name + "-" + c.version, nil
	}
	digest, err := dirDigest(filepath.Join(o.Source, c.module))
	if err != nil {
		return "", fmt.Errorf("build module %s: %w", c.module, err)
	}
	return c.name + "-" + c.version + "-" + digest, nil
}

// dirDigest hashes the names and contents of the regular files in dir.
func dirDigest(dir string) (string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return "", err
	}
	h := sha256.New()
	for _, e := range entries { // ReadDir sorts by name
		if !e.Type().IsRegular() {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			return "", err
		}
		fmt.Fprintf(h, "%s %d\n", e.Name(), len(b))
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil))[:12], nil
}

// Find returns the cached binaries, or an error wrapping ErrNotBuilt naming
// the first component that is missing. It builds nothing.
func Find(opts BuildOptions) (Binaries, error) {
	opts, err := opts.resolve()
	if err != nil {
		return Binaries{}, err
	}
	paths := map[string]string{}
	for _, c := range components() {
		key, err := opts.key(c)
		if err != nil {
			return Binaries{}, err
		}
		dir := filepath.Join(opts.CacheDir, key)
		for _, b := range c.bins {
			p := filepath.Join(dir, b)
			if _, err := os.Stat(p); err != nil {
				return Binaries{}, fmt.Errorf("%s %s (%s): %w", c.name, c.version, dir, ErrNotBuilt)
			}
			paths[b] = p
		}
	}
	return Binaries{
		Etcd:              paths["etcd"],
		APIServer:         paths["kube-apiserver"],
		ControllerManager: paths["kube-controller-manager"],
		Scheduler:         paths["kube-scheduler"],
		Kwok:              paths["kwok"],
	}, nil
}

// Build builds whatever is missing from the cache, one component at a time,
// and returns the binaries. Concurrent callers (other processes too) wait for
// each other through a lock file per component; each build goes to a
// temporary directory that is renamed into place only when complete.
func Build(ctx context.Context, opts BuildOptions) (Binaries, error) {
	opts, err := opts.resolve()
	if err != nil {
		return Binaries{}, err
	}
	if err := os.MkdirAll(opts.CacheDir, 0o755); err != nil {
		return Binaries{}, err
	}
	for _, c := range components() {
		if err := opts.build(ctx, c); err != nil {
			return Binaries{}, err
		}
	}
	return Find(opts)
}

func (o BuildOptions) build(ctx context.Context, c component) error {
	key, err := o.key(c)
	if err != nil {
		return err
	}
	dir := filepath.Join(o.CacheDir, key)
	if complete(dir, c.bins) {
		return nil
	}
	unlock, err := lockFile(ctx, filepath.Join(o.CacheDir, key+".lock"), func() {
		o.Logf("waiting for another process building %s", key)
	})
	if err != nil {
		return err
	}
	defer unlock()
	if complete(dir, c.bins) { // built by whoever held the lock
		return nil
	}

	tmp, err := os.MkdirTemp(o.CacheDir, "."+key+"-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)

	start := time.Now()
	o.Logf("building %s %s into %s (the first time takes minutes)", strings.Join(c.bins, ", "), c.version, dir)
	var cmd *exec.Cmd
	if c.module == "" {
		args := append([]string{"install", "-trimpath", "-ldflags=-s -w"}, c.pkgs...)
		cmd = exec.CommandContext(ctx, o.Go, args...)
		cmd.Dir = tmp
		cmd.Env = buildEnv("GOBIN="+tmp, "GOFLAGS=-buildvcs=false")
	} else {
		args := append([]string{"build", "-trimpath", "-ldflags=" + ldflags(c), "-o", tmp + string(filepath.Separator)}, c.pkgs...)
		cmd = exec.CommandContext(ctx, o.Go, args...)
		cmd.Dir = filepath.Join(o.Source, c.module)
		cmd.Env = buildEnv("GOFLAGS=-buildvcs=false -mod=readonly")
	}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("build %s %s: %w\n%s", c.name, c.version, err, tail(out.Bytes(), 40))
	}
	if !complete(tmp, c.bins) {
		return fmt.Errorf("build %s %s: executables %v missing after build\n%s", c.name, c.version, c.bins, tail(out.Bytes(), 40))
	}
	if err := os.Rename(tmp, dir); err != nil {
		return fmt.Errorf("build %s %s: %w", c.name, c.version, err)
	}
	o.Logf("built %s in %s", key, time.Since(start).Round(time.Second))
	return nil
}

// ldflags stamps the Kubernetes version into the binaries; without it the API
// server reports v0.0.0-master, which clients refuse to parse.
func ldflags(c component) string {
	flags := []string{"-s", "-w"}
	if c.name != "kube" {
		return strings.Join(flags, " ")
	}
	major, minor, _ := strings.Cut(strings.TrimPrefix(c.version, "v"), ".")
	minor, _, _ = strings.Cut(minor, ".")
	for _, pkg := range []string{"k8s.io/component-base/version", "k8s.io/client-go/pkg/version"} {
		flags = append(flags,
			"-X", pkg+".gitVersion="+c.version,
			"-X", pkg+".gitMajor="+major,
			"-X", pkg+".gitMinor="+minor,
			"-X", pkg+".gitTreeState=clean",
			"-X", pkg+".gitCommit=",
			"-X", pkg+".buildDate="+time.Now().UTC().Format(time.RFC3339),
		)
	}
	return strings.Join(flags, " ")
}

// buildEnv is the environment with the settings that would change what is
// built replaced: static binaries for this machine, no workspace.
func buildEnv(extra ...string) []string {
	drop := []string{"GOFLAGS", "GOWORK", "CGO_ENABLED", "GOOS", "GOARCH", "GOBIN"}
	env := slices.DeleteFunc(os.Environ(), func(kv string) bool {
		k, _, _ := strings.Cut(kv, "=")
		return slices.Contains(drop, k)
	})
	env = append(env, "GOWORK=off", "CGO_ENABLED=0", "GOOS="+runtime.GOOS, "GOARCH="+runtime.GOARCH)
	return append(env, extra...)
}

func complete(dir string, bins []string) bool {
	for _, b := range bins {
		fi, err := os.Stat(filepath.Join(dir, b))
		if err != nil || !fi.Mode().IsRegular() || fi.Mode().Perm()&0o111 == 0 {
			return false
		}
	}
	return true
}

// tail returns the last n lines of b.
func tail(b []byte, n int) string {
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
