package storage

import (
	"context"
	"errors"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/selection"

	"github.com/rudderpm/rudder/internal/release"
)

// payloadKey is the data key that holds a record's payload.
const payloadKey = "release"

// MaxRecordSize is the most payload one Secret or ConfigMap holds: the API
// server's limit on the total size of an object's data.
const MaxRecordSize = 1 << 20

// listPageSize bounds the records fetched per list request.
const listPageSize = 100

// kubeObject is what the Kubernetes drivers need of a Secret or ConfigMap.
type kubeObject struct {
	meta    metav1.ObjectMeta
	payload []byte
}

// kubeAPI reaches one kind of object; secretAPI and configMapAPI implement it.
type kubeAPI interface {
	kind() string
	get(ctx context.Context, namespace, name string) (*kubeObject, error)
	list(ctx context.Context, namespace string, opts metav1.ListOptions) (items []kubeObject, next string, err error)
	create(ctx context.Context, namespace string, obj *kubeObject) error
	update(ctx context.Context, namespace string, obj *kubeObject) error
	delete(ctx context.Context, namespace, name string, opts metav1.DeleteOptions) error
	// deleteAll deletes the objects that the label selector selects.
	deleteAll(ctx context.Context, namespace, selector string) error
}

// kubeDriver is the Driver of the Secrets and ConfigMaps drivers.
type kubeDriver struct {
	api       kubeAPI
	namespace string
	opts      DriverOptions
}

// Name is Secret or ConfigMap.
func (d *kubeDriver) Name() string { return d.api.kind() }

// Namespace is the namespace the driver works in; "" for all.
func (d *kubeDriver) Namespace() string { return d.namespace }

func (d *kubeDriver) object(namespace, name string) string {
	return d.api.kind() + "/" + namespace + "/" + name
}

// Get reads one revision.
func (d *kubeDriver) Get(ctx context.Context, name string, version int) (*release.Release, error) {
	if err := d.checkRead(name, version); err != nil {
		return nil, err
	}
	obj, err := d.read(ctx, "get", d.namespace, name, version)
	if err != nil {
		return nil, err
	}
	return d.decode(ctx, obj)
}

// checkRead refuses a bad key, or a read with no namespace to read in.
func (d *kubeDriver) checkRead(name string, version int) error {
	if err := checkKey(name, version); err != nil {
		return err
	}
	if d.namespace == "" {
		return releaseError("", name, version, ErrNamespaceRequired)
	}
	return nil
}

// read fetches one revision's record in ns for op (get, update, delete), a
// missing one reported as ErrReleaseNotFound.
func (d *kubeDriver) read(ctx context.Context, op, ns, name string, version int) (*kubeObject, error) {
	key := Key(name, version)
	obj, err := d.api.get(ctx, ns, key)
	if apierrors.IsNotFound(err) {
		return nil, releaseError(ns, name, version, ErrReleaseNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", op, d.object(ns, key), err)
	}
	return obj, nil
}

func (d *kubeDriver) decode(ctx context.Context, obj *kubeObject) (*release.Release, error) {
	payload := obj.payload
	if isChunked(obj) {
		var err error
		if payload, err = d.assemble(ctx, obj); err != nil {
			return nil, &RecordError{Object: d.object(obj.meta.Namespace, obj.meta.Name), Err: err}
		}
	}
	rel, err := decodeRelease(payload)
	if err != nil {
		return nil, &RecordError{Object: d.object(obj.meta.Namespace, obj.meta.Name), Err: err}
	}
	rel.Labels = userLabels(obj.meta.Labels)
	return rel, nil
}

// List reads the records that sel selects, a page at a time.
func (d *kubeDriver) List(ctx context.Context, sel labels.Selector) ([]*release.Release, error) {
	opts := metav1.ListOptions{LabelSelector: ownedBy(sel).String(), Limit: listPageSize}
	var (
		rels []*release.Release
		bad  []*RecordError
	)
	for {
		items, next, err := d.api.list(ctx, d.namespace, opts)
		if err != nil {
			return nil, fmt.Errorf("list %s records in namespace %q: %w", d.api.kind(), d.namespace, err)
		}
		for i := range items {
			rel, err := d.decode(ctx, &items[i])
			var re *RecordError
			if errors.As(err, &re) {
				bad = append(bad, re)
				continue
			}
			if err != nil {
				return nil, err
			}
			rels = append(rels, rel)
		}
		if next == "" {
			break
		}
		opts.Continue = next
	}
	if len(bad) > 0 {
		return rels, &UnreadableError{Records: bad}
	}
	return rels, nil
}

// writeNamespace is where rel's record goes: the driver's namespace, or the
// release's when the driver reads all namespaces.
func (d *kubeDriver) writeNamespace(rel *release.Release) (string, error) {
	if d.namespace != "" {
		return d.namespace, nil
	}
	if rel.Namespace == "" {
		return "", releaseError("", rel.Name, rel.Version, ErrNamespaceRequired)
	}
	return rel.Namespace, nil
}

// encode makes rel's record, with labels: one object when the payload fits,
// or a head and its chunks when it does not.
func (d *kubeDriver) encode(namespace string, rel *release.Release, lbs map[string]string) (*record, error) {
	payload, err := encodeRelease(rel)
	if err != nil {
		return nil, releaseError(namespace, rel.Name, rel.Version, err)
	}
	if len(payload) > MaxRecordSize {
		return d.chunked(namespace, rel, lbs, payload)
	}
	return &record{head: &kubeObject{
		meta:    metav1.ObjectMeta{Name: Key(rel.Name, rel.Version), Namespace: namespace, Labels: lbs},
		payload: []byte(payload),
	}}, nil
}

// Create writes a new record for rel.
func (d *kubeDriver) Create(ctx context.Context, rel *release.Release) error {
	if err := checkRelease(rel); err != nil {
		return err
	}
	ns, err := d.writeNamespace(rel)
	if err != nil {
		return err
	}
	rec, err := d.encode(ns, rel, recordLabels(rel, d.opts.now(), false))
	if err != nil {
		return err
	}
	if err := d.writeChunks(ctx, ns, rec); err != nil {
		return err
	}
	err = d.api.create(ctx, ns, rec.head)
	if apierrors.IsAlreadyExists(err) {
		err = releaseError(ns, rel.Name, rel.Version, ErrReleaseExists)
	} else if err != nil {
		err = fmt.Errorf("create %s: %w", d.object(ns, rec.head.meta.Name), err)
	}
	if err != nil {
		if len(rec.chunks) > 0 {
			d.deleteChunks(ctx, ns, rel.Name, rel.Version, selection.Equals, rec.generation())
		}
		return err
	}
	if len(rec.chunks) > 0 {
		// Chunks left by an earlier write of this revision that did not reach its head.
		d.deleteChunks(ctx, ns, rel.Name, rel.Version, selection.NotEquals, rec.generation())
	}
	return nil
}

// Update replaces rel's record; its labels are written afresh (see recordLabels).
func (d *kubeDriver) Update(ctx context.Context, rel *release.Release) error {
	if err := checkRelease(rel); err != nil {
		return err
	}
	ns, err := d.writeNamespace(rel)
	if err != nil {
		return err
	}
	key := Key(rel.Name, rel.Version)
	old, err := d.read(ctx, "update", ns, rel.Name, rel.Version)
	if err != nil {
		return err
	}
	rec, err := d.encode(ns, rel, recordLabels(rel, d.opts.now(), true))
	if err != nil {
		return err
	}
	// New chunks go under a generation of their own, so the old head keeps
	// its chunks until the new head replaces it.
	if err := d.writeChunks(ctx, ns, rec); err != nil {
		return err
	}
	// Like Helm, replace the record whatever its resourceVersion: the last
	// writer wins.
	err = d.api.update(ctx, ns, rec.head)
	if apierrors.IsNotFound(err) {
		err = releaseError(ns, rel.Name, rel.Version, ErrReleaseNotFound)
	} else if err != nil {
		err = fmt.Errorf("update %s: %w", d.object(ns, key), err)
	}
	if err != nil {
		if len(rec.chunks) > 0 {
			d.deleteChunks(ctx, ns, rel.Name, rel.Version, selection.Equals, rec.generation())
		}
		return err
	}
	if isChunked(old) || len(rec.chunks) > 0 {
		// The chunks of the replaced head, or of every head when the new
		// record fits in one object.
		d.deleteChunks(ctx, ns, rel.Name, rel.Version, selection.NotEquals, rec.generation())
	}
	return nil
}

// Delete removes one revision's record, returning the release it held. A
// record that cannot be decoded is left in place.
func (d *kubeDriver) Delete(ctx context.Context, name string, version int) (*release.Release, error) {
	if err := d.checkRead(name, version); err != nil {
		return nil, err
	}
	key := Key(name, version)
	obj, err := d.read(ctx, "delete", d.namespace, name, version)
	if err != nil {
		return nil, err
	}
	rel, err := d.decode(ctx, obj)
	if err != nil {
		return nil, err
	}
	// Delete the very record read, not one created since under the same name.
	uid := obj.meta.UID
	err = d.api.delete(ctx, d.namespace, key, metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &uid}})
	if apierrors.IsNotFound(err) {
		return nil, releaseError(d.namespace, name, version, ErrReleaseNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("delete %s: %w", d.object(d.namespace, key), err)
	}
	if isChunked(obj) {
		d.deleteChunks(ctx, d.namespace, name, version, selection.Exists, "")
	}
	return rel, nil
}
