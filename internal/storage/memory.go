package storage

import (
	"context"
	"encoding/json"
	"sync"

	"k8s.io/apimachinery/pkg/labels"

	"github.com/rudderpm/rudder/internal/release"
)

// memoryDefaultNamespace is where the memory driver, reading all namespaces,
// writes a release that names none (as Helm's does).
const memoryDefaultNamespace = "default"

// Memory keeps records in process memory, for tests and HELM_DRIVER=memory.
// Records are labelled as the Kubernetes drivers label them and hold the
// release's JSON, so what is read back is a copy, never the caller's value.
type Memory struct {
	store     *memoryStore
	namespace string
	opts      DriverOptions
}

type memoryStore struct {
	mu sync.RWMutex
	// records by namespace, then key.
	records map[string]map[string]memoryRecord
}

type memoryRecord struct {
	labels map[string]string
	json   []byte
}

// NewMemory makes an empty store and a driver working in namespace; ""
// reads all namespaces and writes each release to its own.
func NewMemory(namespace string, opts DriverOptions) *Memory {
	return &Memory{store: &memoryStore{records: map[string]map[string]memoryRecord{}}, namespace: namespace, opts: opts}
}

// InNamespace is a driver over the same records, working in namespace.
func (m *Memory) InNamespace(namespace string) *Memory {
	return &Memory{store: m.store, namespace: namespace, opts: m.opts}
}

// Name is Memory.
func (m *Memory) Name() string { return "Memory" }

// Namespace is the namespace the driver works in; "" for all.
func (m *Memory) Namespace() string { return m.namespace }

func (m *Memory) writeNamespace(rel *release.Release) string {
	switch {
	case m.namespace != "":
		return m.namespace
	case rel.Namespace != "":
		return rel.Namespace
	}
	return memoryDefaultNamespace
}

func (m *Memory) decode(rec memoryRecord) (*release.Release, error) {
	var rel release.Release
	if err := json.Unmarshal(rec.json, &rel); err != nil {
		return nil, err
	}
	rel.Labels = userLabels(rec.labels)
	return &rel, nil
}

// Get reads one revision.
func (m *Memory) Get(_ context.Context, name string, version int) (*release.Release, error) {
	if err := checkKey(name, version); err != nil {
		return nil, err
	}
	if m.namespace == "" {
		return nil, releaseError("", name, version, ErrNamespaceRequired)
	}
	m.store.mu.RLock()
	rec, ok := m.store.records[m.namespace][Key(name, version)]
	m.store.mu.RUnlock()
	if !ok {
		return nil, releaseError(m.namespace, name, version, ErrReleaseNotFound)
	}
	return m.decode(rec)
}

// List reads the records that sel selects.
func (m *Memory) List(_ context.Context, sel labels.Selector) ([]*release.Release, error) {
	sel = ownedBy(sel)
	var found []memoryRecord
	m.store.mu.RLock()
	for ns, recs := range m.store.records {
		if m.namespace != "" && ns != m.namespace {
			continue
		}
		for _, rec := range recs {
			if sel.Matches(labels.Set(rec.labels)) {
				found = append(found, rec)
			}
		}
	}
	m.store.mu.RUnlock()
	rels := make([]*release.Release, 0, len(found))
	for _, rec := range found {
		rel, err := m.decode(rec)
		if err != nil {
			return nil, err
		}
		rels = append(rels, rel)
	}
	return rels, nil
}

func (m *Memory) record(rel *release.Release, lbs map[string]string) (memoryRecord, error) {
	js, err := json.Marshal(rel)
	if err != nil {
		return memoryRecord{}, releaseError(rel.Namespace, rel.Name, rel.Version, err)
	}
	return memoryRecord{labels: lbs, json: js}, nil
}

// Create writes a new record for rel.
func (m *Memory) Create(_ context.Context, rel *release.Release) error {
	if err := checkRelease(rel); err != nil {
		return err
	}
	ns, key := m.writeNamespace(rel), Key(rel.Name, rel.Version)
	rec, err := m.record(rel, recordLabels(rel, m.opts.now(), false))
	if err != nil {
		return err
	}
	m.store.mu.Lock()
	defer m.store.mu.Unlock()
	if _, ok := m.store.records[ns][key]; ok {
		return releaseError(ns, rel.Name, rel.Version, ErrReleaseExists)
	}
	if m.store.records[ns] == nil {
		m.store.records[ns] = map[string]memoryRecord{}
	}
	m.store.records[ns][key] = rec
	return nil
}

// Update replaces rel's record; its labels are written afresh (see recordLabels).
func (m *Memory) Update(_ context.Context, rel *release.Release) error {
	if err := checkRelease(rel); err != nil {
		return err
	}
	ns, key := m.writeNamespace(rel), Key(rel.Name, rel.Version)
	m.store.mu.Lock()
	defer m.store.mu.Unlock()
	_, ok := m.store.records[ns][key]
	if !ok {
		return releaseError(ns, rel.Name, rel.Version, ErrReleaseNotFound)
	}
	rec, err := m.record(rel, recordLabels(rel, m.opts.now(), true))
	if err != nil {
		return err
	}
	m.store.records[ns][key] = rec
	return nil
}

// Delete removes one revision's record, returning the release it held.
func (m *Memory) Delete(_ context.Context, name string, version int) (*release.Release, error) {
	if err := checkKey(name, version); err != nil {
		return nil, err
	}
	if m.namespace == "" {
		return nil, releaseError("", name, version, ErrNamespaceRequired)
	}
	key := Key(name, version)
	m.store.mu.Lock()
	rec, ok := m.store.records[m.namespace][key]
	delete(m.store.records[m.namespace], key)
	m.store.mu.Unlock()
	if !ok {
		return nil, releaseError(m.namespace, name, version, ErrReleaseNotFound)
	}
	return m.decode(rec)
}
