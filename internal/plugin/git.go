package plugin

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"

	"github.com/Masterminds/semver/v3"
)

// git runs the git program in dir and returns its standard output.
func (in *Installer) git(ctx context.Context, dir string, args ...string) (string, error) {
	prog := in.Git
	if prog == "" {
		prog = "git"
	}
	cmd := exec.CommandContext(ctx, prog, args...)
	cmd.Dir = dir
	if in.Env != nil {
		cmd.Env = in.Env
	}
	cmd.Env = append(cmd.Environ(), "GIT_TERMINAL_PROMPT=0")
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			msg = err.Error()
		}
		return "", fmt.Errorf("git %s: %s", args[0], msg)
	}
	return out.String(), nil
}

// clone checks out a repository into dest, at version when one is given: a tag or
// branch, else the newest tag meeting it as a semver constraint.
func (in *Installer) clone(ctx context.Context, source, version, dest string) error {
	if _, err := in.git(ctx, filepath.Dir(dest), "clone", "--quiet", "--no-recurse-submodules", "--", source, dest); err != nil {
		return fmt.Errorf("cannot get information about plugin source %q (if it's a local directory, does it exist?), last error was: %w", source, err)
	}
	if version == "" {
		return nil
	}
	ref, err := in.solveVersion(ctx, dest, source, version)
	if err != nil {
		return err
	}
	_, err = in.git(ctx, dest, "checkout", "--quiet", ref)
	return err
}

func (in *Installer) solveVersion(ctx context.Context, repo, source, version string) (string, error) {
	if _, err := in.git(ctx, repo, "rev-parse", "--verify", "--quiet", version+"^{commit}"); err == nil {
		return version, nil
	}
	if _, err := in.git(ctx, repo, "rev-parse", "--verify", "--quiet", "origin/"+version+"^{commit}"); err == nil {
		return "origin/" + version, nil
	}
	c, err := semver.NewConstraint(version)
	if err != nil {
		return "", err
	}
	tags, err := in.git(ctx, repo, "tag", "--list")
	if err != nil {
		return "", err
	}
	var vs []*semver.Version
	for _, t := range strings.Fields(tags) {
		if v, err := semver.NewVersion(t); err == nil {
			vs = append(vs, v)
		}
	}
	sort.Sort(sort.Reverse(semver.Collection(vs)))
	for _, v := range vs {
		if c.Check(v) {
			return v.Original(), nil
		}
	}
	return "", fmt.Errorf("requested version %q does not exist for plugin %q", version, source)
}

// ErrNoSource is the error for updating a plugin that was not installed from a
// repository or folder.
var ErrNoSource = errors.New("cannot get information about plugin source")

// Update brings an installed plugin up to date with its source: a plugin linked
// to a local folder is always current; one cloned from a repository pulls. The
// returned plugin is the updated one; hooks are not run.
func (in *Installer) Update(ctx context.Context, p *Plugin) (*Plugin, error) {
	fi, err := os.Lstat(p.Dir)
	if err != nil {
		return nil, err
	}
	if fi.Mode()&os.ModeSymlink == 0 {
		if _, err := os.Stat(filepath.Join(p.Dir, ".git")); err != nil {
			return nil, ErrNoSource
		}
		status, err := in.git(ctx, p.Dir, "status", "--porcelain")
		if err != nil {
			return nil, err
		}
		if strings.TrimSpace(status) != "" {
			return nil, errors.New("plugin repo was modified")
		}
		if _, err := in.git(ctx, p.Dir, "pull", "--quiet", "--ff-only"); err != nil {
			return nil, err
		}
	}
	m, err := in.check(p.Dir)
	if err != nil {
		return nil, err
	}
	return &Plugin{Dir: p.Dir, Metadata: m}, nil
}
