package storage

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/selection"

	"github.com/rudderpm/rudder/internal/chart"
	"github.com/rudderpm/rudder/internal/release"
)

// A record whose payload does not fit in one object is chunked: its payload is
// cut into pieces of at most chunkSize bytes, each stored in an object of its
// own named <key>.chunk-<generation>-<index> and labelled owner=rudder-chunk
// (so that Helm's and Rudder's listings, which select owner=helm, skip them).
// The record itself, the head, keeps Helm's name and labels, so that listings
// and history see the revision, and holds a small stub release that tells Helm
// users what happened; its annotations say how many chunks there are, their
// generation and the digest of the payload they make up.
//
// Writes go chunks first and head last: the head is the commit point, so a
// crash leaves either the old head (with its chunks, untouched) or the new one
// (with all of its chunks). An update writes the new chunks under a new
// generation, replaces the head, then deletes the old generation. A delete
// removes the head first, then every chunk of the revision.

// chunkSize is the most payload one chunk holds, under MaxRecordSize with room
// for the data key.
const chunkSize = MaxRecordSize - 4<<10

const (
	chunkOwner = "rudder-chunk"

	// labelGeneration is on each chunk: the generation of the head it belongs to.
	labelGeneration = "rudder.sh/chunk-generation"

	annotChunks     = "rudder.sh/chunks"
	annotGeneration = "rudder.sh/chunk-generation"
	annotDigest     = "rudder.sh/chunk-digest"
	annotIndex      = "rudder.sh/chunk-index"
)

// ErrChunk is wrapped by the errors of a chunked record that cannot be
// assembled: a chunk missing, corrupt, or from another revision.
var ErrChunk = errors.New("chunked release record")

// chunkNotice is what Helm shows of a chunked revision.
const chunkNotice = "this revision is stored in chunks by Rudder (its record is larger than one %s); Helm cannot read it: use rudder"

// chunkName names chunk i of generation gen of a revision.
func chunkName(name string, version int, gen string, i int) string {
	return Key(name, version) + ".chunk-" + gen + "-" + strconv.Itoa(i)
}

// newGeneration is a random name for a set of chunks.
func newGeneration() string {
	var b [4]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func digestOf(payload string) string {
	sum := sha256.Sum256([]byte(payload))
	return "sha256:" + hex.EncodeToString(sum[:])
}

// record is what a write sends: the head, and the chunks that go before it.
type record struct {
	head   *kubeObject
	chunks []*kubeObject
}

// chunked splits payload over chunks and makes the head that points at them.
func (d *kubeDriver) chunked(namespace string, rel *release.Release, lbs map[string]string, payload string) (*record, error) {
	stub, err := encodeRelease(stubRelease(rel, fmt.Sprintf(chunkNotice, d.api.kind())))
	if err != nil {
		return nil, releaseError(namespace, rel.Name, rel.Version, err)
	}
	gen := newGeneration()
	var chunks []*kubeObject
	for i := 0; len(payload) > 0; i++ {
		n := min(chunkSize, len(payload))
		chunks = append(chunks, &kubeObject{
			meta: metav1.ObjectMeta{
				Name:      chunkName(rel.Name, rel.Version, gen, i),
				Namespace: namespace,
				Labels: map[string]string{
					labelName: rel.Name, labelOwner: chunkOwner,
					labelVersion: strconv.Itoa(rel.Version), labelGeneration: gen,
				},
				Annotations: map[string]string{annotIndex: strconv.Itoa(i)},
			},
			payload: []byte(payload[:n]),
		})
		payload = payload[n:]
	}
	return &record{
		head: &kubeObject{
			meta: metav1.ObjectMeta{
				Name: Key(rel.Name, rel.Version), Namespace: namespace, Labels: lbs,
				Annotations: map[string]string{
					annotChunks:     strconv.Itoa(len(chunks)),
					annotGeneration: gen,
					annotDigest:     digestOf(string(joinChunks(chunks))),
				},
			},
			payload: []byte(stub),
		},
		chunks: chunks,
	}, nil
}

func joinChunks(chunks []*kubeObject) []byte {
	var n int
	for _, c := range chunks {
		n += len(c.payload)
	}
	out := make([]byte, 0, n)
	for _, c := range chunks {
		out = append(out, c.payload...)
	}
	return out
}

// stubRelease is the small release a chunked head holds for Helm: rel's name,
// revision, status and chart, with notice as its description and notes, and a
// manifest Helm cannot build, so that helm upgrade and rollback stop on it
// rather than acting on an empty release.
func stubRelease(rel *release.Release, notice string) *release.Release {
	info := *rel.Info
	info.Description = notice
	info.Notes = notice
	stub := &release.Release{
		Name:      rel.Name,
		Namespace: rel.Namespace,
		Version:   rel.Version,
		Info:      &info,
		Manifest: "# Source: rudder/chunked-release\n# " + notice + "\n" +
			"rudderChunkedRelease: " + strconv.Quote(notice) + "\n",
		ApplyMethod: rel.ApplyMethod,
	}
	if rel.Chart != nil && rel.Chart.Metadata != nil {
		stub.Chart = &chart.Chart{Metadata: rel.Chart.Metadata}
	}
	return stub
}

// isChunked tells whether obj is the head of a chunked record.
func isChunked(obj *kubeObject) bool {
	_, ok := obj.meta.Annotations[annotChunks]
	return ok
}

// assemble reads the chunks a head points at and returns the payload they make
// up, checked against the head's digest.
func (d *kubeDriver) assemble(ctx context.Context, head *kubeObject) ([]byte, error) {
	ns := head.meta.Namespace
	name, version := head.meta.Labels[labelName], head.meta.Labels[labelVersion]
	fail := func(format string, args ...any) error {
		v, _ := strconv.Atoi(version)
		return releaseError(ns, name, v, fmt.Errorf("%w: "+format, append([]any{ErrChunk}, args...)...))
	}
	n, err := strconv.Atoi(head.meta.Annotations[annotChunks])
	if err != nil || n < 1 {
		return nil, fail("bad %s annotation %q", annotChunks, head.meta.Annotations[annotChunks])
	}
	gen, digest := head.meta.Annotations[annotGeneration], head.meta.Annotations[annotDigest]
	v, err := strconv.Atoi(version)
	if err != nil {
		return nil, fail("bad version label %q", version)
	}
	var payload []byte
	for i := range n {
		cn := chunkName(name, v, gen, i)
		c, err := d.api.get(ctx, ns, cn)
		if apierrors.IsNotFound(err) {
			return nil, fail("chunk %d of %d (%s) is missing", i+1, n, d.object(ns, cn))
		}
		if err != nil {
			return nil, fmt.Errorf("get %s: %w", d.object(ns, cn), err)
		}
		l := c.meta.Labels
		if l[labelOwner] != chunkOwner || l[labelName] != name || l[labelVersion] != version ||
			l[labelGeneration] != gen || c.meta.Annotations[annotIndex] != strconv.Itoa(i) {
			return nil, fail("chunk %d of %d (%s) belongs to release %q revision %s, chunk %s of generation %s",
				i+1, n, d.object(ns, cn), l[labelName], l[labelVersion], c.meta.Annotations[annotIndex], l[labelGeneration])
		}
		payload = append(payload, c.payload...)
	}
	if got := digestOf(string(payload)); got != digest {
		return nil, fail("the %d chunks do not match the digest of the record (%s, want %s): a chunk is corrupt", n, got, digest)
	}
	return payload, nil
}

// writeChunks creates rec's chunks, before its head is written.
func (d *kubeDriver) writeChunks(ctx context.Context, ns string, rec *record) error {
	for _, c := range rec.chunks {
		if err := d.api.create(ctx, ns, c); err != nil {
			return fmt.Errorf("create %s: %w", d.object(ns, c.meta.Name), err)
		}
	}
	return nil
}

// deleteChunks deletes the chunks of a revision whose generation label
// matches op and gen (selection.Exists with gen "" for all of them): chunks a
// replaced head pointed at, chunks a write left before it failed, or all of a
// deleted revision. It is best effort: chunks no head points at are garbage,
// never read, and the next chunked write of the revision deletes them.
func (d *kubeDriver) deleteChunks(ctx context.Context, ns, name string, version int, op selection.Operator, gen string) {
	sel := labels.NewSelector().Add(
		requirement(labelOwner, selection.Equals, chunkOwner),
		requirement(labelName, selection.Equals, name),
		requirement(labelVersion, selection.Equals, strconv.Itoa(version)))
	if gen != "" {
		sel = sel.Add(requirement(labelGeneration, op, gen))
	}
	_ = d.api.deleteAll(ctx, ns, sel.String())
}

// requirement is a label requirement on values already checked.
func requirement(key string, op selection.Operator, value string) labels.Requirement {
	r, err := labels.NewRequirement(key, op, []string{value})
	if err != nil {
		panic(err) // constant keys, values checked as label values
	}
	return *r
}

// generation is the generation of rec's chunks; "" when it has none.
func (rec *record) generation() string { return rec.head.meta.Annotations[annotGeneration] }
