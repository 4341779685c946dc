package storage

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	"github.com/rudderpm/rudder/internal/release"
)

func TestDecodeReleaseForms(t *testing.T) {
	// An early Helm 3 record: plain JSON, and empty strings for unset times.
	const js = `{"name":"old","info":{"first_deployed":"","last_deployed":"2020-01-02T03:04:05Z","deleted":"",` +
		`"status":"deployed"},"hooks":[{"name":"h","last_run":{"started_at":"","completed_at":"","phase":""}}],` +
		`"version":7,"namespace":"legacy"}`
	gz := func(b []byte) []byte {
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		zw.Write(b)
		zw.Close()
		return buf.Bytes()
	}
	b64 := func(b []byte) []byte { return []byte(base64.StdEncoding.EncodeToString(b)) }

	for name, payload := range map[string][]byte{
		"plain JSON":   b64([]byte(js)),
		"gzipped JSON": b64(gz([]byte(js))),
	} {
		rel, err := decodeRelease(payload)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if rel.Name != "old" || rel.Version != 7 || rel.Namespace != "legacy" || rel.Info.Status != release.StatusDeployed ||
			!rel.Info.FirstDeployed.IsZero() || rel.Info.LastDeployed.Year() != 2020 || !rel.Info.Deleted.IsZero() ||
			len(rel.Hooks) != 1 || !rel.Hooks[0].LastRun.StartedAt.IsZero() {
			t.Errorf("%s: decoded %+v %+v", name, rel, rel.Info)
		}
	}

	for name, payload := range map[string][]byte{
		"empty":          nil,
		"not base64":     []byte("{not base64}"),
		"broken gzip":    b64(append([]byte{0x1f, 0x8b, 0x08}, "garbage"...)),
		"not JSON":       b64(gz([]byte("kind: Release\n"))),
		"JSON not a map": b64([]byte(`["name"]`)),
	} {
		if _, err := decodeRelease(payload); err == nil || !strings.HasPrefix(err.Error(), "decode release") {
			t.Errorf("%s: error %v, want a decode error", name, err)
		}
	}
}

func TestEncodeReleaseForm(t *testing.T) {
	rel := newRelease("alpha", 2, release.StatusDeployed)
	rel.Labels = map[string]string{"team": "a"}
	payload, err := encodeRelease(rel)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := base64.StdEncoding.DecodeString(payload)
	if err != nil {
		t.Fatalf("payload is not standard base64: %v", err)
	}
	if !bytes.HasPrefix(raw, gzipMagic) {
		t.Fatalf("payload is not gzip: % x", raw[:4])
	}
	// The gzip header Go writes for Helm too: no flags, no time, best compression (XFL 2).
	if raw[3] != 0 || !bytes.Equal(raw[4:8], []byte{0, 0, 0, 0}) || raw[8] != 2 {
		t.Errorf("gzip header % x", raw[:10])
	}
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	var js bytes.Buffer
	js.ReadFrom(zr)
	if strings.Contains(js.String(), `"team"`) || strings.Contains(js.String(), "labels") {
		t.Errorf("labels leaked into the JSON: %s", js.String())
	}
	for _, want := range []string{`{"name":"alpha","info":{"first_deployed":"2026-05-01T12:00:00.123456789Z",`, `"version":2,`, `"apply_method":"ssa"}`} {
		if !strings.Contains(js.String(), want) {
			t.Errorf("JSON lacks %s:\n%s", want, js.String())
		}
	}
}

func TestOpen(t *testing.T) {
	for _, name := range []string{"", "secret", "secrets", "configmap", "configmaps"} {
		if _, err := Open(name, Config{}); err == nil || !strings.Contains(err.Error(), "no Kubernetes client") {
			t.Errorf("Open(%q) without a client: %v", name, err)
		}
	}
	kinds := map[string]string{"": "Secret", "secret": "Secret", "secrets": "Secret", "configmap": "ConfigMap",
		"configmaps": "ConfigMap", "memory": "Memory"}
	for name, kind := range kinds {
		d, err := Open(name, Config{Namespace: "ns", Core: noCore{}})
		if err != nil {
			t.Fatalf("Open(%q): %v", name, err)
		}
		if d.Name() != kind {
			t.Errorf("Open(%q) is a %s driver, want %s", name, d.Name(), kind)
		}
	}
	if _, err := Open("sql", Config{}); err == nil || err.Error() != `storage driver "sql": no database` {
		t.Errorf("Open(sql) without a database: %v", err)
	}
	// OpenSQL connects on first use, so a driver can be made without a server.
	db, err := OpenSQL("postgres://rudder@127.0.0.1:1/releases?sslmode=disable", DriverOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	d, err := Open("sql", Config{Namespace: "ns", SQL: db})
	if err != nil {
		t.Fatalf("Open(sql): %v", err)
	}
	if sd, ok := d.(*SQL); !ok || sd.Name() != "SQL" || sd.Namespace() != "ns" {
		t.Errorf("Open(sql) is %T %s in %q, want an SQL driver in ns", d, d.Name(), d.(interface{ Namespace() string }).Namespace())
	}
	if _, err := Open("etcd", Config{}); err == nil || err.Error() != `unknown driver "etcd"` {
		t.Errorf("Open(etcd): %v", err)
	}

	// The memory driver keeps its records across Opens, per namespace.
	ctx := t.Context()
	mem := NewMemory("", DriverOptions{})
	d1, _ := Open("memory", Config{Namespace: "a", Memory: mem})
	if err := d1.Create(ctx, newRelease("alpha", 1, release.StatusDeployed)); err != nil {
		t.Fatal(err)
	}
	d2, _ := Open("memory", Config{Namespace: "a", Memory: mem})
	if _, err := d2.Get(ctx, "alpha", 1); err != nil {
		t.Errorf("a second memory driver does not see the first's record: %v", err)
	}
	d3, _ := Open("memory", Config{Namespace: "b", Memory: mem})
	if _, err := d3.Get(ctx, "alpha", 1); !errors.Is(err, ErrReleaseNotFound) {
		t.Errorf("namespace b sees namespace a's record: %v", err)
	}
}

// noCore is a CoreClient that is never called.
type noCore struct{ CoreClient }

func TestSystemLabels(t *testing.T) {
	want := []string{"name", "owner", "status", "version", "createdAt", "modifiedAt"}
	got := SystemLabels()
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("SystemLabels() = %v, want Helm's %v", got, want)
	}
	got[0] = "changed"
	if !IsSystemLabel("name") || IsSystemLabel("team") {
		t.Error("IsSystemLabel wrong, or SystemLabels shares its slice")
	}
	if Key("web", 12) != "sh.helm.release.v1.web.v12" {
		t.Errorf("Key = %s", Key("web", 12))
	}
}

// A record whose payload decompresses beyond any release is refused, not read.
func TestDecodeReleaseRefusesAGzipBomb(t *testing.T) {
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		t.Fatal(err)
	}
	chunk := make([]byte, 1<<20)
	for range (maxReleaseJSON >> 20) + 1 {
		if _, err := zw.Write(chunk); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	_, err = decodeRelease([]byte(base64.StdEncoding.EncodeToString(buf.Bytes())))
	if err == nil || !strings.Contains(err.Error(), "more than 512 MiB once decompressed") {
		t.Fatalf("err = %v, want the bomb refused", err)
	}
}

// FuzzDecodeRelease: no record, however damaged, makes decoding panic.
func FuzzDecodeRelease(f *testing.F) {
	rel := &release.Release{Name: "web", Namespace: "default", Version: 3, Manifest: "kind: ConfigMap\n",
		Info: &release.Info{Status: release.StatusDeployed}}
	good, err := encodeRelease(rel)
	if err != nil {
		f.Fatal(err)
	}
	f.Add([]byte(good))
	f.Add([]byte(good[:len(good)/2]))
	f.Add([]byte(base64.StdEncoding.EncodeToString([]byte(`{"name":"web","info":{"status":"deployed"},"chart":{"metadata":null},"version":1}`))))
	f.Add([]byte(base64.StdEncoding.EncodeToString([]byte{0x1f, 0x8b, 0x08, 0, 0, 0, 0, 0})))
	f.Fuzz(func(t *testing.T, payload []byte) {
		r, err := decodeRelease(payload)
		if err == nil && r == nil {
			t.Fatal("no release and no error")
		}
	})
}
