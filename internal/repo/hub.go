package repo

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"path"
)

// hubSearchPath is the search API Helm's hub client asks, at the endpoint's
// path: Artifact Hub serves it for Helm (the Monocular API it replaced).
const hubSearchPath = "api/chartsvc/v1/charts/search"

// HubChart is one chart a hub search found.
type HubChart struct {
	// URL is the chart's page: the hub's package URL, or endpoint/charts/ID.
	URL         string
	Version     string
	AppVersion  string
	Description string
	RepoName    string
	RepoURL     string
}

// hubResult is the part of a search answer Rudder reads.
type hubResult struct {
	ID          string `json:"id"`
	ArtifactHub struct {
		PackageURL string `json:"packageUrl"`
	} `json:"artifactHub"`
	Attributes struct {
		Description string `json:"description"`
		Repo        struct {
			Name string `json:"name"`
			URL  string `json:"url"`
		} `json:"repo"`
	} `json:"attributes"`
	Relationships struct {
		LatestChartVersion struct {
			Data struct {
				Version    string `json:"version"`
				AppVersion string `json:"app_version"`
			} `json:"data"`
		} `json:"latestChartVersion"`
	} `json:"relationships"`
}

// SearchHub asks a hub (Artifact Hub, or an instance of one at endpoint) for
// the charts matching term.
func SearchHub(ctx context.Context, endpoint, term string, o ClientOptions) ([]HubChart, error) {
	u, err := url.Parse(endpoint)
	if err != nil {
		return nil, fmt.Errorf("hub endpoint %q: %w", endpoint, err)
	}
	u.Path = path.Join(u.Path, hubSearchPath)
	u.RawQuery = "q=" + url.QueryEscape(term)
	body, err := Get(ctx, u.String(), o)
	if err != nil {
		return nil, err
	}
	var answer struct {
		Data []hubResult `json:"data"`
	}
	if err := json.Unmarshal(body, &answer); err != nil {
		return nil, fmt.Errorf("hub answer from %s: %w", u.Redacted(), err)
	}
	charts := make([]HubChart, 0, len(answer.Data))
	for _, r := range answer.Data {
		c := HubChart{
			URL:         endpoint + "/charts/" + r.ID,
			Version:     r.Relationships.LatestChartVersion.Data.Version,
			AppVersion:  r.Relationships.LatestChartVersion.Data.AppVersion,
			Description: r.Attributes.Description,
			RepoName:    r.Attributes.Repo.Name,
			RepoURL:     r.Attributes.Repo.URL,
		}
		if r.ArtifactHub.PackageURL != "" {
			c.URL = r.ArtifactHub.PackageURL
		}
		charts = append(charts, c)
	}
	return charts, nil
}
