package cli

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
)

// controllerProgram runs the controller. The rudder program does not link it:
// controller-runtime's and Prometheus's package initialisation would cost every
// command (issue 19), as Flux ships its controllers as programs of their own.
const controllerProgram = "rudder-controller"

// controllerInstall is how to install controllerProgram.
const controllerInstall = "go install github.com/rudderpm/rudder/cmd/rudder-controller@latest"

// handedOverEnv marks a process that rudder started as rudder-controller, so
// that a rudder program installed under that name fails instead of handing
// over to itself forever.
const handedOverEnv = "RUDDER_HANDED_OVER_TO_CONTROLLER"

// handOverToController replaces the process with the rudder-controller
// program, run with the same arguments and environment; it returns only when
// that cannot be done.
func (a *app) handOverToController() error {
	if a.streams.Getenv(handedOverEnv) != "" {
		self, _ := os.Executable()
		return fmt.Errorf("%s is a rudder program without the controller, installed as %s: install the controller with '%s'", self, controllerProgram, controllerInstall)
	}
	path, beside := findControllerProgram()
	if path == "" {
		return fmt.Errorf("%s not found in %s (beside this program) nor on PATH: 'controller run' hands over to it; install it with '%s'", controllerProgram, beside, controllerInstall)
	}
	argv := append([]string{path}, a.args...)
	env := append(os.Environ(), handedOverEnv+"=1")
	if err := syscall.Exec(path, argv, env); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// findControllerProgram looks for rudder-controller beside the running
// executable (symbolic links resolved: beside the real rudder when it runs as
// helm), then on PATH. It returns the program's path, or "" and the folder it
// looked in beside the executable.
func findControllerProgram() (path, beside string) {
	beside = "the folder of this program"
	if self, err := os.Executable(); err == nil {
		if real, err := filepath.EvalSymlinks(self); err == nil {
			self = real
		}
		beside = filepath.Dir(self)
		p := filepath.Join(beside, controllerProgram)
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 {
			return p, beside
		}
	}
	if p, err := exec.LookPath(controllerProgram); err == nil {
		return p, beside
	}
	return "", beside
}
