package pgtest

import (
	"os/exec"
	"syscall"
)

// prepare makes cmd run as the user, and end if this process dies first.
func (u *osUser) prepare(cmd *exec.Cmd) {
	cmd.Env = serverEnv()
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if u.switched {
		cmd.SysProcAttr.Credential = &syscall.Credential{Uid: u.uid, Gid: u.gid}
	}
}
