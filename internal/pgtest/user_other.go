//go:build !linux

package pgtest

import (
	"os/exec"
	"syscall"
)

// prepare makes cmd run as the user.
func (u *osUser) prepare(cmd *exec.Cmd) {
	cmd.Env = serverEnv()
	if u.switched {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: u.uid, Gid: u.gid}}
	}
}
