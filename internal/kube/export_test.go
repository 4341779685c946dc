package kube

import "testing"

// SetListPage makes ReadLive list n objects per request for the rest of t.
func SetListPage(t *testing.T, n int) {
	old := listPage
	listPage = n
	t.Cleanup(func() { listPage = old })
}
