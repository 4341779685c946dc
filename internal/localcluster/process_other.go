//go:build unix && !linux

package localcluster

import (
	"os/exec"
	"strconv"
	"strings"
	"syscall"
)

func startCmd(cmd *exec.Cmd) error { return cmd.Start() }

func sysProcAttr(bool) *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}

// processArgs returns the command line of pid as ps reports it, split at
// spaces (the paths Up passes have none).
func processArgs(pid int) ([]string, bool) {
	out, err := exec.Command("ps", "-o", "command=", "-p", strconv.Itoa(pid)).Output()
	if err != nil {
		return nil, false
	}
	fields := strings.Fields(string(out))
	return fields, len(fields) > 0
}
