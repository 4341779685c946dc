package localcluster

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// proc is one control-plane process, as recorded in the cluster's state file.
type proc struct {
	Name string `json:"name"` // component: etcd, kube-apiserver, ...
	PID  int    `json:"pid"`
	Path string `json:"path"` // executable, for checking the pid is still ours
	Log  string `json:"log"`
	// Args and Detach are how it was started, for starting it again.
	Args   []string `json:"args,omitempty"`
	Detach bool     `json:"detach,omitempty"`
	// Dir is the cluster directory, which every component's command line
	// names (its data, certificates or kubeconfig live there).
	Dir string `json:"dir"`

	exited chan struct{} // closed when a process started by us exits; nil for loaded ones
	err    error         // its exit status, once exited is closed
}

// startProcess starts path with args in its own process group, stdin from
// /dev/null and output to logPath. Unless detach is set, the process is tied
// to the caller's life where the platform allows it (Linux: a parent-death
// signal), so that a killed test binary leaves no cluster behind.
func startProcess(name, path string, args []string, dir, logPath string, detach bool) (*proc, error) {
	logf, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	defer logf.Close() // the child keeps its own descriptor
	cmd := exec.Command(path, args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.Dir = filepath.Dir(logPath)
	cmd.SysProcAttr = sysProcAttr(detach)
	if err := startCmd(cmd); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	p := &proc{Name: name, PID: cmd.Process.Pid, Path: path, Log: logPath, Dir: dir, Args: args, Detach: detach, exited: make(chan struct{})}
	go func() { // reap it, and tell whoever waits for the cluster
		p.err = cmd.Wait()
		close(p.exited)
	}()
	return p, nil
}

// hasExited reports whether a process we started has exited.
func (p *proc) hasExited() bool {
	if p.exited == nil {
		return !p.ours()
	}
	select {
	case <-p.exited:
		return true
	default:
		return false
	}
}

// ours reports whether p.PID is alive and still runs p.Path for this
// cluster: a recorded pid may have been reused by another process since.
func (p *proc) ours() bool {
	if p.PID <= 0 {
		return false
	}
	if err := syscall.Kill(p.PID, 0); err != nil && !errors.Is(err, syscall.EPERM) {
		return false
	}
	args, ok := processArgs(p.PID)
	if !ok || len(args) == 0 || args[0] != p.Path {
		return false
	}
	for _, a := range args[1:] {
		if strings.Contains(a, p.Dir) {
			return true
		}
	}
	return false
}

// stop ends the process group of p, if p is still ours: SIGTERM, then SIGKILL
// after grace; at once with SIGKILL when grace is 0. It returns once the
// process is gone.
func (p *proc) stop(grace time.Duration) error {
	if p.exited != nil {
		select {
		case <-p.exited:
			return nil
		default:
		}
	} else if !p.ours() {
		return nil
	}
	// Each component leads its own process group (Setpgid), so the group
	// holds it and anything it started, and nothing else.
	if grace > 0 {
		if err := syscall.Kill(-p.PID, syscall.SIGTERM); err != nil && !errors.Is(err, syscall.ESRCH) {
			return fmt.Errorf("stop %s (pid %d): %w", p.Name, p.PID, err)
		}
		if p.waitGone(grace) {
			return nil
		}
	}
	if err := syscall.Kill(-p.PID, syscall.SIGKILL); err != nil && !errors.Is(err, syscall.ESRCH) {
		return fmt.Errorf("kill %s (pid %d): %w", p.Name, p.PID, err)
	}
	if !p.waitGone(5 * time.Second) {
		return fmt.Errorf("%s (pid %d) still running after SIGKILL", p.Name, p.PID)
	}
	return nil
}

func (p *proc) waitGone(d time.Duration) bool {
	if p.exited != nil {
		select {
		case <-p.exited:
			return true
		case <-time.After(d):
			return false
		}
	}
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if !alive(p.PID) {
			return true
		}
		time.Sleep(50 * time.Millisecond)
	}
	return !alive(p.PID)
}

// alive reports whether pid names a process that has not exited (zombies,
// which only wait for their parent to reap them, count as exited).
func alive(pid int) bool {
	if err := syscall.Kill(pid, 0); err != nil && !errors.Is(err, syscall.EPERM) {
		return false
	}
	if b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid)); err == nil {
		// pid (comm) S ...: the state follows the last ')'.
		s := string(b)
		if i := strings.LastIndexByte(s, ')'); i >= 0 && i+2 < len(s) && s[i+2] == 'Z' {
			return false
		}
	}
	return true
}

// logTail returns the last lines of the process's log.
func (p *proc) logTail(n int) string {
	b, err := os.ReadFile(p.Log)
	if err != nil {
		return fmt.Sprintf("(no log: %v)", err)
	}
	return tail(b, n)
}
