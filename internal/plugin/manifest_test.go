package plugin

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseMetadata(t *testing.T) {
	tests := []struct {
		name, yaml string
		check      func(*Metadata) bool
		err        string // substring of the error, "" for none
	}{
		{"legacy cli", "name: hello\nversion: 0.1.0\nusage: says\n  hello\ndescription: long\ncommand: $HELM_PLUGIN_DIR/run.sh\nignoreFlags: true\nhooks:\n  install: echo hi\nunknownField: ok\n",
			func(m *Metadata) bool {
				return m.APIVersion == "legacy" && m.Type == TypeCLI && m.Runtime == RuntimeSubprocess && m.CLI.ShortHelp == "says hello" &&
					m.CLI.IgnoreFlags && m.Subprocess.PlatformCommand[0].Command == "$HELM_PLUGIN_DIR/run.sh" &&
					m.Subprocess.PlatformHooks["install"][0].Command == "sh" && m.Subprocess.rawHooks
			}, ""},
		{"legacy getter", "name: s3\nversion: 1.0.0\ndownloaders:\n- command: bin/get\n  protocols: [s3, s3a]\n",
			func(m *Metadata) bool {
				return m.Type == TypeGetter && strings.Join(m.Protocols, ",") == "s3,s3a" && m.Subprocess.ProtocolCommands[0].PlatformCommand[0].Command == "bin/get"
			}, ""},
		{"legacy bad name", "name: a/b\n", nil, `invalid plugin name "a/b": must contain only a-z, A-Z, 0-9, _ and -`},
		{"legacy bad version", "name: a\nversion: one\n", nil, `invalid plugin version "one": must be valid semver`},
		{"legacy both commands", "name: a\ncommand: x\nplatformCommand: [{command: y}]\n", nil, "both platformCommand and command are set"},
		{"legacy both hooks", "name: a\nhooks: {install: x}\nplatformHooks: {install: [{command: y}]}\n", nil, "both platformHooks and hooks are set"},
		{"legacy downloader without command", "name: a\ndownloaders: [{protocols: [x]}]\n", nil, "downloader 0 has empty command"},
		{"legacy downloader without protocols", "name: a\ndownloaders: [{command: x}]\n", nil, "downloader 0 has no protocols"},
		{"v1 cli", "apiVersion: v1\nname: hi\ntype: cli/v1\nruntime: subprocess\nversion: 1.2.3\nsourceURL: https://example.com\nconfig:\n  shortHelp: short\n  ignoreFlags: true\nruntimeConfig:\n  platformCommand: [{command: run}]\n",
			func(m *Metadata) bool {
				return m.APIVersion == "v1" && m.CLI.ShortHelp == "short" && m.CLI.IgnoreFlags && m.SourceURL == "https://example.com" && m.Subprocess.PlatformCommand[0].Command == "run"
			}, ""},
		{"v1 getter", "apiVersion: v1\nname: g\ntype: getter/v1\nruntime: subprocess\nversion: 1.0.0\nconfig: {protocols: [foo]}\nruntimeConfig:\n  protocolCommands: [{protocols: [foo], platformCommand: [{command: get}]}]\n",
			func(m *Metadata) bool { return m.Protocols[0] == "foo" }, ""},
		{"v1 wasm", "apiVersion: v1\nname: w\ntype: cli/v1\nruntime: extism/v1\nversion: 1.0.0\nruntimeConfig: {timeout: 5000, memory: {maxPages: 10}}\n",
			func(m *Metadata) bool { return m.Extism.Timeout == 5000 && m.Extism.Memory.MaxPages == 10 }, ""},
		{"v1 getter without protocols", "apiVersion: v1\nname: g\ntype: getter/v1\nruntime: subprocess\nversion: 1.0.0\n", nil, "getter has no protocols"},
		{"v1 unknown field", "apiVersion: v1\nname: a\ntype: cli/v1\nruntime: subprocess\nversion: 1.0.0\nextra: 1\n", nil, "field extra not found"},
		{"v1 unknown config field", "apiVersion: v1\nname: a\ntype: cli/v1\nruntime: subprocess\nversion: 1.0.0\nconfig: {usage: x, nope: 1}\n", nil, "field nope not found"},
		{"v1 bad name", "apiVersion: v1\nname: ../x\n", nil, "invalid plugin `name`"},
		{"v1 no version", "apiVersion: v1\nname: a\n", nil, "plugin `version` is required"},
		{"v1 bad version", "apiVersion: v1\nname: a\nversion: v1\n", nil, "invalid plugin `version` \"v1\": must be valid semver"},
		{"v1 no type", "apiVersion: v1\nname: a\nversion: 1.0.0\n", nil, "`type` missing"},
		{"v1 no runtime", "apiVersion: v1\nname: a\nversion: 1.0.0\ntype: cli/v1\n", nil, "`runtime` missing"},
		{"v1 unknown type", "apiVersion: v1\nname: a\nversion: 1.0.0\ntype: x/v9\nruntime: subprocess\n", nil, `failed to convert MetadataV1 to Metadata: unknown plugin type "x/v9"`},
		{"v1 unknown runtime", "apiVersion: v1\nname: a\nversion: 1.0.0\ntype: cli/v1\nruntime: jvm\n", nil, `unsupported plugin runtime type: "jvm"`},
		{"unknown apiVersion", "apiVersion: v2\nname: a\n", nil, `invalid plugin apiVersion: "v2"`},
		{"not yaml", ":\n\t- [", nil, "failed to peek plugin.yaml API version"},
	}
	for _, tt := range tests {
		m, err := ParseMetadata([]byte(tt.yaml))
		switch {
		case tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)):
			t.Errorf("%s: err = %v, want %q", tt.name, err, tt.err)
		case tt.err == "" && err != nil:
			t.Errorf("%s: %v", tt.name, err)
		case tt.err == "" && !tt.check(m):
			t.Errorf("%s: unexpected metadata %+v", tt.name, m)
		}
	}
}

// A broken plugin is reported apart and does not hide the others.
func TestScanReportsBroken(t *testing.T) {
	dir := t.TempDir()
	writePlugin(t, dir, "good", "name: good\nversion: 1.0.0\ncommand: x\n", nil)
	writePlugin(t, dir, "bad", "apiVersion: v1\nname: bad\n", nil)
	if err := os.MkdirAll(filepath.Join(dir, "notaplugin"), 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := Scan([]string{dir, filepath.Join(dir, "missing")})
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Plugins) != 1 || f.Plugins[0].Metadata.Name != "good" {
		t.Errorf("plugins %v", f.Plugins)
	}
	if len(f.Broken) != 1 || !strings.Contains(f.Broken[0].Err.Error(), "plugin `version` is required") {
		t.Errorf("broken %v", f.Broken)
	}
}
