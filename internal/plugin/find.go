package plugin

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
)

// Plugin is an installed plugin: its folder and its manifest.
type Plugin struct {
	// Dir is the plugin's folder (a link, for a plugin installed from a local folder).
	Dir      string
	Metadata *Metadata
}

// Broken is a plugin folder whose manifest does not load.
type Broken struct {
	Dir string
	Err error
}

// Found is what a scan of the plugin folders turned up.
type Found struct {
	Plugins []*Plugin
	Broken  []Broken
}

// Scan reads every plugin of the folders, in order: the direct subfolders holding a
// plugin.yaml. Plugins that do not load are returned apart, so that one broken
// plugin does not hide the others. Two plugins of one folder with the same name are
// an error, as in Helm.
func Scan(dirs []string) (*Found, error) {
	f := &Found{}
	for _, dir := range dirs {
		matches, err := filepath.Glob(filepath.Join(dir, "*", FileName))
		if err != nil {
			return nil, fmt.Errorf("failed to search for plugins in %q: %w", dir, err)
		}
		seen := map[string]string{}
		for _, m := range matches {
			pdir := filepath.Dir(m)
			md, err := ReadMetadata(pdir)
			if err != nil {
				f.Broken = append(f.Broken, Broken{Dir: pdir, Err: err})
				continue
			}
			if prev, ok := seen[md.Name]; ok {
				return nil, fmt.Errorf("two plugins claim the name %q at %q and %q", md.Name, prev, pdir)
			}
			seen[md.Name] = pdir
			f.Plugins = append(f.Plugins, &Plugin{Dir: pdir, Metadata: md})
		}
	}
	return f, nil
}

// ErrNotFound is wrapped by the error for a plugin that is not installed.
var ErrNotFound = errors.New("plugin not found")

// NotFoundError is the error for a plugin that is not installed, in Helm's words.
type NotFoundError struct{ Name, Type string }

func (e *NotFoundError) Error() string {
	if e.Type == "" {
		return fmt.Sprintf("plugin: %s not found", e.Name)
	}
	return fmt.Sprintf("plugin: {Name:%s Type:%s} not found", e.Name, e.Type)
}

func (e *NotFoundError) Is(target error) bool { return target == ErrNotFound }

// OfType returns the plugins of one type (all for "").
func (f *Found) OfType(typ string) []*Plugin {
	var out []*Plugin
	for _, p := range f.Plugins {
		if typ == "" || p.Metadata.Type == typ {
			out = append(out, p)
		}
	}
	return out
}

// Named returns the first plugin with the name and, when typ is not empty, the type.
func (f *Found) Named(name, typ string) (*Plugin, error) {
	i := slices.IndexFunc(f.Plugins, func(p *Plugin) bool {
		return p.Metadata.Name == name && (typ == "" || p.Metadata.Type == typ)
	})
	if i < 0 {
		return nil, &NotFoundError{Name: name, Type: typ}
	}
	return f.Plugins[i], nil
}

// ForScheme returns the getter plugin that fetches URLs of the scheme, or nil.
func (f *Found) ForScheme(scheme string) *Plugin {
	for _, p := range f.Plugins {
		if p.Metadata.Type == TypeGetter && slices.Contains(p.Metadata.Protocols, scheme) {
			return p
		}
	}
	return nil
}

// HasPlugins reports cheaply whether any of the folders may hold a plugin, without
// reading any manifest.
func HasPlugins(dirs []string) bool {
	for _, dir := range dirs {
		if entries, err := os.ReadDir(dir); err == nil && len(entries) > 0 {
			return true
		}
	}
	return false
}
