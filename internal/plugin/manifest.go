package plugin

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"unicode"

	"github.com/Masterminds/semver/v3"
	goyaml "sigs.k8s.io/yaml/goyaml.v3"
)

// FileName is the manifest every plugin folder holds.
const FileName = "plugin.yaml"

// The plugin types Helm v4 knows.
const (
	TypeCLI          = "cli/v1"
	TypeGetter       = "getter/v1"
	TypePostRenderer = "postrenderer/v1"
)

// The runtimes a plugin may ask for.
const (
	RuntimeSubprocess = "subprocess"
	RuntimeExtism     = "extism/v1"
)

// APIVersionLegacy is the APIVersion given to plugins written in Helm 3's format,
// which has no apiVersion field.
const APIVersionLegacy = "legacy"

// The events a plugin may hook.
const (
	HookInstall = "install"
	HookUpdate  = "update"
	HookDelete  = "delete"
)

var validName = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

// Metadata is one plugin's manifest, whichever format it was written in.
type Metadata struct {
	// APIVersion is "v1", or APIVersionLegacy for Helm 3's format.
	APIVersion string `json:"apiVersion"`
	Name       string `json:"name"`
	Type       string `json:"type"`
	Runtime    string `json:"runtime"`
	Version    string `json:"version"`
	SourceURL  string `json:"sourceURL,omitempty"`

	// CLI is set for cli/v1 plugins.
	CLI *CLIConfig `json:"-"`
	// Protocols are the URL schemes a getter/v1 plugin fetches.
	Protocols []string `json:"-"`
	// Subprocess is set for plugins run as a command.
	Subprocess *SubprocessConfig `json:"-"`
	// Extism is set for Wasm plugins.
	Extism *ExtismConfig `json:"-"`
}

// CLIConfig is the config of a cli/v1 plugin.
type CLIConfig struct {
	Usage       string `yaml:"usage"`
	ShortHelp   string `yaml:"shortHelp"`
	LongHelp    string `yaml:"longHelp"`
	IgnoreFlags bool   `yaml:"ignoreFlags"`
}

type getterConfig struct {
	Protocols []string `yaml:"protocols"`
}

type postRendererConfig struct{}

// PlatformCommand is a command for one operating system and architecture (both
// optional).
type PlatformCommand struct {
	OS      string   `yaml:"os"`
	Arch    string   `yaml:"arch"`
	Command string   `yaml:"command"`
	Args    []string `yaml:"args"`
}

// ProtocolCommand is a getter command for some URL schemes.
type ProtocolCommand struct {
	Protocols       []string          `yaml:"protocols"`
	PlatformCommand []PlatformCommand `yaml:"platformCommand"`
}

// SubprocessConfig is the runtimeConfig of a subprocess plugin.
type SubprocessConfig struct {
	PlatformCommand  []PlatformCommand            `yaml:"platformCommand"`
	PlatformHooks    map[string][]PlatformCommand `yaml:"platformHooks"`
	ProtocolCommands []ProtocolCommand            `yaml:"protocolCommands,omitempty"`
	// rawHooks is set for Helm 3 hooks given as shell lines: their arguments are
	// not expanded.
	rawHooks bool
}

// ExtismConfig is the runtimeConfig of a Wasm plugin.
type ExtismConfig struct {
	Memory struct {
		MaxPages             uint32 `yaml:"maxPages,omitempty"`
		MaxHTTPResponseBytes int64  `yaml:"maxHttpResponseBytes,omitempty"`
		MaxVarBytes          int64  `yaml:"maxVarBytes,omitempty"`
	} `yaml:"memory"`
	Config       map[string]string `yaml:"config,omitempty"`
	AllowedHosts []string          `yaml:"allowedHosts,omitempty"`
	FileSystem   struct {
		CreateTempDir bool `yaml:"createTempDir,omitempty"`
	} `yaml:"fileSystem,omitempty"`
	Timeout       uint64   `yaml:"timeout,omitempty"`
	HostFunctions []string `yaml:"hostFunctions,omitempty"`
	EntryFuncName string   `yaml:"entryFuncName,omitempty"`
}

// legacyFile is Helm 3's plugin.yaml.
type legacyFile struct {
	Name            string                       `yaml:"name"`
	Version         string                       `yaml:"version"`
	Usage           string                       `yaml:"usage"`
	Description     string                       `yaml:"description"`
	PlatformCommand []PlatformCommand            `yaml:"platformCommand"`
	Command         string                       `yaml:"command"`
	IgnoreFlags     bool                         `yaml:"ignoreFlags"`
	PlatformHooks   map[string][]PlatformCommand `yaml:"platformHooks"`
	Hooks           map[string]string            `yaml:"hooks"`
	Downloaders     []struct {
		Protocols []string `yaml:"protocols"`
		Command   string   `yaml:"command"`
	} `yaml:"downloaders"`
}

// v1File is Helm 4's plugin.yaml (apiVersion: v1).
type v1File struct {
	APIVersion    string      `yaml:"apiVersion"`
	Name          string      `yaml:"name"`
	Type          string      `yaml:"type"`
	Runtime       string      `yaml:"runtime"`
	Version       string      `yaml:"version"`
	SourceURL     string      `yaml:"sourceURL,omitempty"`
	Config        goyaml.Node `yaml:"config"`
	RuntimeConfig goyaml.Node `yaml:"runtimeConfig"`
}

// ReadMetadata reads and checks the plugin.yaml in dir. Errors carry Helm's wording.
func ReadMetadata(dir string) (*Metadata, error) {
	file := filepath.Join(dir, FileName)
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("failed to read plugin at %q: %w", file, err)
	}
	m, err := ParseMetadata(data)
	if err != nil {
		return nil, fmt.Errorf("failed to load plugin %q: %w", dir, err)
	}
	return m, nil
}

// ParseMetadata reads a plugin.yaml in either format.
func ParseMetadata(data []byte) (*Metadata, error) {
	var peek struct {
		APIVersion string `yaml:"apiVersion"`
	}
	if err := goyaml.NewDecoder(bytes.NewReader(data)).Decode(&peek); err != nil {
		return nil, fmt.Errorf("failed to peek %s API version: %w", FileName, err)
	}
	switch peek.APIVersion {
	case "":
		return parseLegacy(data)
	case "v1":
		return parseV1(data)
	}
	return nil, fmt.Errorf("invalid plugin apiVersion: %q", peek.APIVersion)
}

func validVersion(v string) bool {
	_, err := semver.StrictNewVersion(v)
	return err == nil
}

func parseLegacy(data []byte) (*Metadata, error) {
	var f legacyFile
	// Helm 3 manifests are read leniently: unknown fields are allowed.
	if err := goyaml.NewDecoder(bytes.NewReader(data)).Decode(&f); err != nil {
		return nil, err
	}
	switch {
	case !validName.MatchString(f.Name):
		return nil, fmt.Errorf("invalid plugin name %q: must contain only a-z, A-Z, 0-9, _ and -", f.Name)
	case f.Version != "" && !validVersion(f.Version):
		return nil, fmt.Errorf("invalid plugin version %q: must be valid semver", f.Version)
	case len(f.PlatformCommand) > 0 && f.Command != "":
		return nil, errors.New("both platformCommand and command are set")
	case len(f.PlatformHooks) > 0 && len(f.Hooks) > 0:
		return nil, errors.New("both platformHooks and hooks are set")
	}
	m := &Metadata{APIVersion: APIVersionLegacy, Name: f.Name, Version: f.Version, Type: TypeCLI, Runtime: RuntimeSubprocess}
	sc := &SubprocessConfig{PlatformCommand: f.PlatformCommand, PlatformHooks: f.PlatformHooks}
	if len(sc.PlatformCommand) == 0 && f.Command != "" {
		sc.PlatformCommand = []PlatformCommand{{Command: f.Command}}
	}
	if len(sc.PlatformHooks) == 0 && len(f.Hooks) > 0 {
		sc.PlatformHooks = map[string][]PlatformCommand{}
		for event, line := range f.Hooks {
			sc.PlatformHooks[event] = []PlatformCommand{{Command: "sh", Args: []string{"-c", line}}}
		}
		sc.rawHooks = true
	}
	for i, d := range f.Downloaders {
		if d.Command == "" {
			return nil, fmt.Errorf("downloader %d has empty command", i)
		}
		if len(d.Protocols) == 0 {
			return nil, fmt.Errorf("downloader %d has no protocols", i)
		}
		for j, p := range d.Protocols {
			if p == "" {
				return nil, fmt.Errorf("downloader %d has empty protocol at index %d", i, j)
			}
		}
		m.Type = TypeGetter
		m.Protocols = append(m.Protocols, d.Protocols...)
		sc.ProtocolCommands = append(sc.ProtocolCommands, ProtocolCommand{Protocols: d.Protocols, PlatformCommand: []PlatformCommand{{Command: d.Command}}})
	}
	if m.Type == TypeCLI {
		m.CLI = &CLIConfig{ShortHelp: sanitize(f.Usage), LongHelp: f.Description, IgnoreFlags: f.IgnoreFlags}
	}
	m.Subprocess = sc
	return m, nil
}

// sanitize turns white space into plain spaces and drops unprintable characters.
func sanitize(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case unicode.IsSpace(r):
			return ' '
		case unicode.IsPrint(r):
			return r
		}
		return -1
	}, s)
}

func parseV1(data []byte) (*Metadata, error) {
	var f v1File
	dec := goyaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		return nil, err
	}
	switch {
	case !validName.MatchString(f.Name):
		return nil, errors.New("invalid plugin `name`")
	case f.Version == "":
		return nil, errors.New("plugin `version` is required")
	case !validVersion(f.Version):
		return nil, fmt.Errorf("invalid plugin `version` %q: must be valid semver", f.Version)
	case f.Type == "":
		return nil, errors.New("`type` missing")
	case f.Runtime == "":
		return nil, errors.New("`runtime` missing")
	}
	m := &Metadata{APIVersion: f.APIVersion, Name: f.Name, Type: f.Type, Runtime: f.Runtime, Version: f.Version, SourceURL: f.SourceURL}
	if err := m.decodeConfig(&f.Config); err != nil {
		return nil, fmt.Errorf("failed to convert MetadataV1 to Metadata: %w", err)
	}
	if err := m.decodeRuntimeConfig(&f.RuntimeConfig); err != nil {
		return nil, fmt.Errorf("failed to convert MetadataV1 to Metadata: %w", err)
	}
	return m, nil
}

// decodeStrict decodes a YAML node into v, refusing unknown fields; an absent node
// leaves v as it is.
func decodeStrict(n *goyaml.Node, v any) error {
	if n.Kind == 0 {
		return nil
	}
	b, err := goyaml.Marshal(n)
	if err != nil {
		return err
	}
	dec := goyaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(v); err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	return nil
}

func (m *Metadata) decodeConfig(n *goyaml.Node) error {
	switch m.Type {
	case TypeCLI:
		m.CLI = &CLIConfig{}
		return decodeStrict(n, m.CLI)
	case TypeGetter:
		var g getterConfig
		if err := decodeStrict(n, &g); err != nil {
			return err
		}
		if len(g.Protocols) == 0 {
			return errors.New("config validation failed: getter has no protocols")
		}
		for i, p := range g.Protocols {
			if p == "" {
				return fmt.Errorf("config validation failed: getter has empty protocol at index %d", i)
			}
		}
		m.Protocols = g.Protocols
		return nil
	case TypePostRenderer:
		return decodeStrict(n, &postRendererConfig{})
	}
	return fmt.Errorf("unknown plugin type %q", m.Type)
}

func (m *Metadata) decodeRuntimeConfig(n *goyaml.Node) error {
	var err error
	switch m.Runtime {
	case RuntimeSubprocess:
		m.Subprocess = &SubprocessConfig{}
		err = decodeLenient(n, m.Subprocess)
	case RuntimeExtism:
		m.Extism = &ExtismConfig{}
		err = decodeLenient(n, m.Extism)
	default:
		return fmt.Errorf("unsupported plugin runtime type: %q", m.Runtime)
	}
	if err != nil {
		return fmt.Errorf("failed to unmarshal runtimeConfig for %s runtime: %w", m.Runtime, err)
	}
	return nil
}

// decodeLenient decodes a YAML node into v, ignoring unknown fields, as Helm reads
// runtimeConfig.
func decodeLenient(n *goyaml.Node, v any) error {
	if n.Kind == 0 {
		return nil
	}
	return n.Decode(v)
}
