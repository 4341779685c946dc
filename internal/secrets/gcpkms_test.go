package secrets

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2"
)

const testGCPKey = "projects/p1/locations/global/keyRings/ring/cryptoKeys/sops"

func staticGCP(endpoint string) GCP {
	return GCP{Endpoint: endpoint, TokenSource: func(context.Context) (oauth2.TokenSource, error) {
		return oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "test-token"}), nil
	}}
}

// gcpServer speaks Cloud KMS's REST encrypt and decrypt for testGCPKey,
// wrapping data keys with XOR, checking the bearer token, and recording the
// data keys it wrapped.
type gcpServer struct {
	t    *testing.T
	mu   sync.Mutex
	keys [][]byte
}

func (s *gcpServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if got := r.Header.Get("Authorization"); got != "Bearer test-token" {
		s.t.Errorf("authorization %q", got)
	}
	name, verb, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/v1/"), ":")
	if r.Method != http.MethodPost || name != testGCPKey {
		s.t.Errorf("%s %s", r.Method, r.URL.Path)
		w.WriteHeader(http.StatusNotFound)
		io.WriteString(w, `{"error":{"code":404,"message":"no such key"}}`)
		return
	}
	var in struct{ Plaintext, Ciphertext []byte }
	body, _ := io.ReadAll(r.Body)
	if err := json.Unmarshal(body, &in); err != nil {
		s.t.Errorf("body %s: %v", body, err)
	}
	w.Header().Set("Content-Type", "application/json")
	switch verb {
	case "encrypt":
		s.mu.Lock()
		s.keys = append(s.keys, in.Plaintext)
		s.mu.Unlock()
		json.NewEncoder(w).Encode(map[string]any{"name": testGCPKey + "/cryptoKeyVersions/1", "ciphertext": append([]byte("gcp:"), xor(in.Plaintext)...)})
	case "decrypt":
		blob, ok := bytes.CutPrefix(in.Ciphertext, []byte("gcp:"))
		if !ok {
			w.WriteHeader(http.StatusBadRequest)
			io.WriteString(w, `{"error":{"code":400,"message":"Decryption failed: the ciphertext is invalid."}}`)
			return
		}
		json.NewEncoder(w).Encode(map[string]any{"plaintext": xor(blob)})
	default:
		s.t.Errorf("verb %q", verb)
		w.WriteHeader(http.StatusBadRequest)
	}
}

func TestGCPKMSRoundTripAndErrors(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	fake := &gcpServer{t: t}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	g := staticGCP(srv.URL)
	enc, err := Encrypt(ctx, "secrets.yaml", []byte(plainYAML), EncryptOptions{GCPKMS: []string{testGCPKey}, GCP: g})
	if err != nil {
		t.Fatal(err)
	}
	got, err := Decrypt(ctx, "secrets.yaml", enc, Keys{NoGPG: true, GCP: g})
	if err != nil {
		t.Fatal(err)
	}
	if !equalValues(yamlValue(t, got), yamlValue(t, []byte(plainYAML))) {
		t.Errorf("round trip changed the data:\n%s", got)
	}
	if len(fake.keys) != 1 || len(fake.keys[0]) != 32 {
		t.Errorf("server wrapped %d keys, want one 32-byte data key", len(fake.keys))
	}

	// A ciphertext the service refuses, an endpoint nobody answers on, and no
	// credentials: each one line naming the file and the key.
	addr := closedAddress(t)
	for _, c := range []struct {
		name string
		data []byte
		gcp  GCP
		want string
	}{
		{"refused", bytes.Replace(enc, []byte("enc: "), []byte("enc: eAAA"), 1), g, "gcp kms answered 400 Bad Request: Decryption failed"},
		{"unreachable", enc, staticGCP("http://" + addr), "gcp kms unreachable: Post \"http://" + addr + "/v1/" + testGCPKey + ":decrypt\""},
		{"no credentials", enc, GCP{Endpoint: srv.URL}, "no gcp credentials given"},
	} {
		_, err := Decrypt(ctx, "prod.yaml", c.data, Keys{NoGPG: true, GCP: c.gcp})
		if err == nil || !strings.Contains(err.Error(), "prod.yaml: no key could decrypt the data key: gcp_kms "+testGCPKey+": "+c.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: %v", c.name, err)
		}
	}
}

// TestGCPKMSInteropWithSops: sops' REST client, pointed at the loopback
// server (SOPS_GCP_KMS_CLIENT_TYPE=rest, SOPS_GCP_KMS_ENDPOINT), seals files
// that open here, and opens files sealed here.
func TestGCPKMSInteropWithSops(t *testing.T) {
	sops := sopsBinary(t)
	fake := &gcpServer{t: t}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	env := []string{"SOPS_GCP_KMS_CLIENT_TYPE=rest", "SOPS_GCP_KMS_ENDPOINT=" + srv.URL, "GOOGLE_OAUTH_ACCESS_TOKEN=test-token", "GOOGLE_CREDENTIALS="}
	g := staticGCP(srv.URL)
	sopsBothWays(t, sops, env, "secrets.yaml", plainYAML, []string{"--gcp-kms", testGCPKey},
		Keys{NoGPG: true, GCP: g}, EncryptOptions{GCPKMS: []string{testGCPKey}, GCP: g})
	if len(fake.keys) != 2 {
		t.Errorf("server wrapped %d data keys, want 2 (one by sops, one by rudder)", len(fake.keys))
	}
}
