package cli

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/rudderpm/rudder/internal/plugin"
	"github.com/rudderpm/rudder/internal/repo"
)

// pluginSchemes fetches URLs through getter plugins (Helm's downloaders). The
// plugins folder is read on the first URL whose scheme is not http or https, so
// other commands pay nothing for it.
type pluginSchemes struct {
	a     *app
	once  sync.Once
	found *plugin.Found
}

// schemes returns the getter plugins of the app, read at most once.
func (a *app) schemes() *pluginSchemes {
	if a.getters == nil {
		a.getters = &pluginSchemes{a: a}
	}
	return a.getters
}

func (g *pluginSchemes) load() *plugin.Found {
	g.once.Do(func() {
		found, err := plugin.Scan(g.a.pluginDirs())
		if err != nil {
			g.a.log.Error("failed to load plugins", "error", err)
			found = &plugin.Found{}
		}
		g.found = found
	})
	return g.found
}

// HandlesScheme tells whether a getter plugin fetches URLs of the scheme.
func (g *pluginSchemes) HandlesScheme(scheme string) bool {
	if scheme == "" || scheme == "http" || scheme == "https" || scheme == "oci" || scheme == "file" {
		return false
	}
	return g.load().ForScheme(scheme) != nil
}

// GetScheme runs the getter plugin for u's scheme and returns what it printed.
func (g *pluginSchemes) GetScheme(ctx context.Context, u string, o repo.ClientOptions) ([]byte, error) {
	scheme, _, _ := strings.Cut(u, "://")
	p := g.load().ForScheme(scheme)
	if p == nil {
		return nil, fmt.Errorf("could not find protocol handler for: %s", scheme)
	}
	return p.Fetch(ctx, u, scheme, plugin.GetterOptions{
		CertFile: o.CertFile, KeyFile: o.KeyFile, CAFile: o.CAFile,
		Username: o.Username, Password: o.Password, PassCredentialsAll: o.PassCredentialsAll,
	}, plugin.Invocation{Env: g.a.pluginEnv(), Stderr: g.a.streams.Err})
}
