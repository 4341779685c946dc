package secrets

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

const testKMSARN = "arn:aws:kms:eu-west-3:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"

// staticAWS reaches endpoint with fixed test credentials, as the CLI's
// standard chain would with AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY.
func staticAWS(endpoint string) AWS {
	return AWS{
		Endpoint: endpoint,
		LoadConfig: func(ctx context.Context, region, profile string) (aws.Config, error) {
			return aws.Config{Region: region, Credentials: credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", "")}, nil
		},
	}
}

// kmsServer speaks the part of AWS KMS's JSON protocol sops uses: Encrypt
// wraps the data key under a secret of its own (XOR, enough to tell wrapped
// from plain), Decrypt unwraps it. It checks every request is signed with
// SigV4 for the kms service in the ARN's region, and records the data keys
// it saw.
type kmsServer struct {
	t    *testing.T
	akid string // the access key requests are signed with; "" means AKIDTEST
	mu   sync.Mutex
	keys [][]byte
}

func (s *kmsServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	akid := s.akid
	if akid == "" {
		akid = "AKIDTEST"
	}
	auth := r.Header.Get("Authorization")
	if !strings.HasPrefix(auth, "AWS4-HMAC-SHA256 Credential="+akid+"/") || !strings.Contains(auth, "/eu-west-3/kms/aws4_request") || r.Header.Get("X-Amz-Date") == "" {
		s.t.Errorf("request not signed for kms in eu-west-3: %q", auth)
		http.Error(w, `{"__type":"UnrecognizedClientException","message":"bad signature"}`, http.StatusBadRequest)
		return
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/x-amz-json-1.1" {
		s.t.Errorf("content type %q", ct)
	}
	var in struct {
		KeyId          string
		Plaintext      []byte
		CiphertextBlob []byte
	}
	body, _ := io.ReadAll(r.Body)
	if err := json.Unmarshal(body, &in); err != nil {
		s.t.Errorf("request body %s: %v", body, err)
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	switch r.Header.Get("X-Amz-Target") {
	case "TrentService.Encrypt":
		if in.KeyId != testKMSARN {
			s.t.Errorf("encrypt for key %q", in.KeyId)
		}
		s.mu.Lock()
		s.keys = append(s.keys, in.Plaintext)
		s.mu.Unlock()
		json.NewEncoder(w).Encode(map[string]any{"CiphertextBlob": append([]byte("wrapped:"), xor(in.Plaintext)...), "KeyId": testKMSARN})
	case "TrentService.Decrypt":
		blob, ok := bytes.CutPrefix(in.CiphertextBlob, []byte("wrapped:"))
		if !ok {
			w.WriteHeader(http.StatusBadRequest)
			io.WriteString(w, `{"__type":"InvalidCiphertextException","message":"not ours"}`)
			return
		}
		json.NewEncoder(w).Encode(map[string]any{"Plaintext": xor(blob), "KeyId": testKMSARN, "EncryptionAlgorithm": "SYMMETRIC_DEFAULT"})
	default:
		s.t.Errorf("unexpected call %q", r.Header.Get("X-Amz-Target"))
		w.WriteHeader(http.StatusBadRequest)
	}
}

func xor(b []byte) []byte {
	out := make([]byte, len(b))
	for i := range b {
		out[i] = b[i] ^ 0x5a
	}
	return out
}

// TestAWSKMSRoundTrip seals a file for a KMS key through a loopback server
// speaking KMS's protocol and opens it again; the file's data key is the one
// the server was asked to wrap.
func TestAWSKMSRoundTrip(t *testing.T) {
	ctx := context.Background()
	fake := &kmsServer{t: t}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	a := staticAWS(srv.URL)
	enc, err := Encrypt(ctx, "secrets.yaml", []byte(plainYAML), EncryptOptions{KMS: []string{testKMSARN}, AWS: a})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(enc, []byte("arn: "+testKMSARN)) || !bytes.Contains(enc, []byte("aws_profile: \"\"")) {
		t.Errorf("file does not name the kms key as sops does:\n%s", enc)
	}
	got, err := Decrypt(ctx, "secrets.yaml", enc, Keys{NoGPG: true, AWS: a})
	if err != nil {
		t.Fatal(err)
	}
	if want := yamlValue(t, []byte(plainYAML)); !equalValues(yamlValue(t, got), want) {
		t.Errorf("round trip changed the data:\n%s", got)
	}
	if len(fake.keys) != 1 || len(fake.keys[0]) != 32 {
		t.Errorf("server wrapped %d keys, want one 32-byte data key", len(fake.keys))
	}
	if _, err := Decrypt(ctx, "secrets.yaml", enc, Keys{NoGPG: true}); err == nil || !strings.Contains(err.Error(), "kms "+testKMSARN+": no aws configuration given") {
		t.Errorf("without aws settings: %v", err)
	}
}

func equalValues(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return bytes.Equal(x, y)
}

// TestAWSKMSUnreachable: a KMS endpoint nobody listens on ends in one line
// naming the file and the key.
func TestAWSKMSUnreachable(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	fake := &kmsServer{t: t}
	srv := httptest.NewServer(fake)
	enc, err := Encrypt(ctx, "prod.yaml", []byte("password: x\n"), EncryptOptions{KMS: []string{testKMSARN}, AWS: staticAWS(srv.URL)})
	srv.Close()
	if err != nil {
		t.Fatal(err)
	}
	addr := closedAddress(t)
	_, err = Decrypt(ctx, "prod.yaml", enc, Keys{NoGPG: true, AWS: staticAWS("http://" + addr)})
	if err == nil {
		t.Fatal("decrypted with an unreachable kms")
	}
	msg := err.Error()
	t.Log(msg)
	for _, want := range []string{"prod.yaml: no key could decrypt the data key: kms " + testKMSARN + ": ", "Decrypt", addr, "connection refused"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error lacks %q:\n%s", want, msg)
		}
	}
	if strings.Contains(msg, "\n") {
		t.Errorf("error spans lines:\n%s", msg)
	}
}

// TestAWSKMSInteropWithSops: files the real sops binary seals for a KMS key,
// through the same loopback endpoint (sops honours AWS_ENDPOINT_URL), open
// here, and files sealed here open with sops.
func TestAWSKMSInteropWithSops(t *testing.T) {
	sops := sopsBinary(t)
	fake := &kmsServer{t: t}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	none := filepath.Join(t.TempDir(), "none")
	env := []string{"AWS_ENDPOINT_URL=" + srv.URL, "AWS_ACCESS_KEY_ID=AKIDTEST", "AWS_SECRET_ACCESS_KEY=secret",
		"AWS_CONFIG_FILE=" + none, "AWS_SHARED_CREDENTIALS_FILE=" + none, "AWS_PROFILE=", "AWS_SESSION_TOKEN="}
	a := staticAWS(srv.URL)
	sopsBothWays(t, sops, env, "secrets.yaml", plainYAML, []string{"--kms", testKMSARN},
		Keys{NoGPG: true, AWS: a}, EncryptOptions{KMS: []string{testKMSARN}, AWS: a})
	if len(fake.keys) != 2 {
		t.Errorf("server wrapped %d data keys, want 2 (one by sops, one by rudder)", len(fake.keys))
	}
}

// TestAWSKMSAssumesRole: a key naming a role is reached with the credentials
// STS returns for that role (a loopback server speaking STS's query protocol),
// not the caller's own.
func TestAWSKMSAssumesRole(t *testing.T) {
	ctx := context.Background()
	const role = "arn:aws:iam::111122223333:role/sops"
	var assumed []string
	stsSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth := r.Header.Get("Authorization")
		if err := r.ParseForm(); err != nil || r.Form.Get("Action") != "AssumeRole" || !strings.Contains(auth, "Credential=AKIDTEST/") || !strings.Contains(auth, "/sts/aws4_request") {
			t.Errorf("sts request %v signed %q", r.Form, auth)
		}
		assumed = append(assumed, r.Form.Get("RoleArn"))
		w.Header().Set("Content-Type", "text/xml")
		io.WriteString(w, `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult>
<Credentials><AccessKeyId>ASIAROLE</AccessKeyId><SecretAccessKey>rolesecret</SecretAccessKey><SessionToken>roletoken</SessionToken><Expiration>2099-01-01T00:00:00Z</Expiration></Credentials>
<AssumedRoleUser><Arn>`+role+`/rudder</Arn><AssumedRoleId>AROA:rudder</AssumedRoleId></AssumedRoleUser>
</AssumeRoleResult><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></AssumeRoleResponse>`)
	}))
	defer stsSrv.Close()
	fake := &kmsServer{t: t, akid: "ASIAROLE"}
	kmsSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if tok := r.Header.Get("X-Amz-Security-Token"); tok != "roletoken" {
			t.Errorf("kms request without the role's session token: %q", tok)
		}
		fake.ServeHTTP(w, r)
	}))
	defer kmsSrv.Close()
	a := staticAWS(kmsSrv.URL)
	load := a.LoadConfig
	a.LoadConfig = func(ctx context.Context, region, profile string) (aws.Config, error) {
		cfg, err := load(ctx, region, profile)
		cfg.BaseEndpoint = aws.String(stsSrv.URL)
		return cfg, err
	}
	enc, err := Encrypt(ctx, "secrets.yaml", []byte("password: x\n"), EncryptOptions{KMS: []string{testKMSARN + "+" + role}, AWS: a})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(enc, []byte("role: "+role)) {
		t.Errorf("file does not record the role:\n%s", enc)
	}
	got, err := Decrypt(ctx, "secrets.yaml", enc, Keys{NoGPG: true, AWS: a})
	if err != nil || string(got) != "password: x\n" {
		t.Fatalf("decrypt: %q, %v", got, err)
	}
	if len(assumed) != 2 || assumed[0] != role || assumed[1] != role {
		t.Errorf("roles assumed: %v, want %s twice", assumed, role)
	}
}
