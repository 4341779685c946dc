package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"

	"sigs.k8s.io/yaml"

	"github.com/rudderpm/rudder/internal/release"
	"github.com/rudderpm/rudder/internal/storage"
)

// errReported ends a command whose reason was already logged: run prints no
// "Error:" line for it, and the exit code is 1.
var errReported = errors.New("failure already reported")

// checkDriver runs before every command, as Helm v4.3.1 sets up its release
// storage before any command runs: an unknown HELM_DRIVER, or HELM_DRIVER=memory
// whose release files (HELM_MEMORY_DRIVER_DATA, a colon-separated list) cannot
// be read, is logged and ends the command with exit code 1. The memory driver
// starts with the releases those files hold.
func (a *app) checkDriver(ctx context.Context) error {
	switch d := a.settings.getenv("HELM_DRIVER"); d {
	case "", "secret", "secrets", "configmap", "configmaps", "sql":
		return nil
	case "memory":
		if a.memory != nil { // supplied already, by a test
			return nil
		}
		mem := storage.NewMemory("", storage.DriverOptions{})
		for _, path := range strings.Split(a.settings.getenv("HELM_MEMORY_DRIVER_DATA"), ":") {
			if err := loadMemoryData(ctx, mem, path); err != nil {
				a.log.Info(err.Error())
				return errReported
			}
		}
		a.memory = mem
		return nil
	default:
		a.log.Info(fmt.Sprintf("unknown driver %q", d))
		return errReported
	}
}

// loadMemoryData adds the releases of a YAML file (a list of releases in Helm's
// JSON field names) to mem.
func loadMemoryData(ctx context.Context, mem *storage.Memory, path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("unable to read memory driver data: %w", err)
	}
	j, err := yaml.YAMLToJSON(b)
	if err != nil {
		return fmt.Errorf("unable to read memory driver data %s: %w", path, err)
	}
	var rels []*release.Release
	if err := json.Unmarshal(j, &rels); err != nil {
		return fmt.Errorf("unable to read memory driver data %s: %w", path, err)
	}
	for _, rel := range rels {
		if rel == nil {
			continue
		}
		if err := mem.InNamespace(rel.Namespace).Create(ctx, rel); err != nil {
			return fmt.Errorf("memory driver data %s: %w", path, err)
		}
	}
	return nil
}
