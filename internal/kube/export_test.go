package kube

import "testing"

// SetListPage makes ReadLive list n objects per request for the rest of t.
func SetListPage(t *testing.T, n int) {
	old := listPage
	listPage = n
	t.Cleanup(func() { listPage = old })
}

// UseLegacyDiscovery makes c ask for the legacy discovery form (one request per
// group version), as servers without aggregated discovery give.
func UseLegacyDiscovery(c *Client) { c.discovery.accept = "application/json" }

// ForgetDiscovery drops what c discovered.
func ForgetDiscovery(c *Client) { c.discovery.reset() }
