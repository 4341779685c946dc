package internal_test

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// initBudget is the most a package's initialisation may allocate in `rudder
// version`. Go runs the init of every package linked into the binary before main,
// whatever the command, so a package that builds tables, registers types or compiles
// schemas at init costs every command (issue 19): such work belongs in a function
// called when a command needs it. Allocations, unlike init times, do not depend on
// the machine's load, so the test is stable.
const initBudget = 256 << 10

// initBudgetTotal bounds all packages' init allocations together (but those of
// heavyInitPending). It was 2.5 MiB before the second wave linked the controller
// (controller-runtime, prometheus), AWS KMS for sops files and the Wasm runtime:
// about 0.9 MiB of upstream inits that run in every command. The controller
// moved out to the rudder-controller program, leaving 2.8 MiB.
const initBudgetTotal = 3 << 20

// heavyInitPending lists the packages still over initBudget; the list only
// shrinks. jsonschema (values.schema.json) compiles its drafts' meta-schemas in
// init and govalidator (lint) compiles its patterns there: only upstream changes
// can close those. (client-go's kubernetes/scheme left: internal/kubetypes
// registers the built-in types on first use.)
var heavyInitPending = map[string]bool{
	"github.com/santhosh-tekuri/jsonschema/v6": true,
	"github.com/asaskevich/govalidator":        true,
}

func TestStartupInitAllocations(t *testing.T) {
	if testing.Short() {
		t.Skip("builds cmd/rudder: skipped under -short")
	}
	bin := filepath.Join(t.TempDir(), "rudder")
	if out, err := exec.Command("go", "build", "-o", bin, "../cmd/rudder").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	cmd := exec.Command(bin, "version")
	cmd.Env = append(os.Environ(), "GODEBUG=inittrace=1,gctrace=1", "GOGC=", "HOME="+t.TempDir())
	var trace bytes.Buffer
	cmd.Stderr = &trace
	if err := cmd.Run(); err != nil {
		t.Fatalf("rudder version: %v\n%s", err, trace.Bytes())
	}
	total, packages, collections := 0, 0, 0
	sc := bufio.NewScanner(&trace)
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "gc ") {
			collections++
		}
		// init PKG @T ms, D ms clock, B bytes, A allocs
		f := strings.Fields(sc.Text())
		if len(f) < 11 || f[0] != "init" || f[8] != "bytes," {
			continue
		}
		b, err := strconv.Atoi(f[7])
		if err != nil {
			t.Fatalf("inittrace line %q: %v", sc.Text(), err)
		}
		packages++
		if heavyInitPending[f[1]] {
			continue
		}
		total += b
		if b > initBudget {
			t.Errorf("init of %s allocates %d bytes in every command (budget %d): build that state when it is first needed", f[1], b, initBudget)
		}
	}
	if packages == 0 {
		t.Fatalf("no inittrace lines in rudder version's stderr:\n%s", trace.Bytes())
	}
	if total > initBudgetTotal {
		t.Errorf("package inits allocate %d bytes in all (budget %d)", total, initBudgetTotal)
	}
	// internal/startup holds collection off during initialisation and lets the
	// command start from the heap it left: a few collections of that heap were
	// a quarter of the floor's CPU.
	if collections > 0 {
		t.Errorf("rudder version collected garbage %d times: package initialisation should run with the collector off (internal/startup)", collections)
	}
	t.Logf("%d package inits allocate %d bytes", packages, total)
}
