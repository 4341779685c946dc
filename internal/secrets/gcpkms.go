package secrets

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"time"

	"golang.org/x/oauth2"
)

// GCP says how GCP Cloud KMS is reached, over its REST API. Its zero value
// cannot reach it: a file sealed for a GCP key then fails to open with an
// error naming the key.
type GCP struct {
	// TokenSource returns the OAuth2 tokens requests carry. The CLI finds
	// them as sops does: GOOGLE_OAUTH_ACCESS_TOKEN, GOOGLE_CREDENTIALS, then
	// Application Default Credentials. It is called only when a GCP key is used.
	TokenSource func(ctx context.Context) (oauth2.TokenSource, error)
	// Endpoint is the API's base URL; empty means https://cloudkms.googleapis.com.
	Endpoint string
	// HTTPClient sends the requests; nil means one with a 30-second timeout.
	HTTPClient *http.Client
}

// gcpKey is a GCP KMS key entry in SOPS metadata, in SOPS' field order.
type gcpKey struct {
	ResourceID string `yaml:"resource_id" json:"resource_id"`
	CreatedAt  string `yaml:"created_at" json:"created_at"`
	Enc        string `yaml:"enc" json:"enc"`
}

var gcpResourceID = regexp.MustCompile(`^projects/[^/]+/locations/[^/]+/keyRings/[^/]+/cryptoKeys/[^/]+$`)

// openGCP asks Cloud KMS to decrypt the data key. sops keeps the ciphertext
// in base64, as the REST API carries it.
func (g GCP) openGCP(ctx context.Context, k gcpKey) ([]byte, error) {
	var out struct {
		Plaintext []byte `json:"plaintext"`
	}
	if err := g.call(ctx, k.ResourceID, "decrypt", map[string]string{"ciphertext": k.Enc}, &out); err != nil {
		return nil, err
	}
	return out.Plaintext, nil
}

// sealGCP asks Cloud KMS to encrypt the data key for k.
func (g GCP) sealGCP(ctx context.Context, k gcpKey, key []byte, now time.Time) (gcpKey, error) {
	var out struct {
		Ciphertext []byte `json:"ciphertext"`
	}
	if err := g.call(ctx, k.ResourceID, "encrypt", map[string][]byte{"plaintext": key}, &out); err != nil {
		return k, err
	}
	k.Enc = base64.StdEncoding.EncodeToString(out.Ciphertext)
	k.CreatedAt = now.UTC().Format(time.RFC3339)
	return k, nil
}

func (g GCP) call(ctx context.Context, resourceID, verb string, in, out any) error {
	if !gcpResourceID.MatchString(resourceID) {
		return errors.New("not a valid gcp kms key resource id")
	}
	if g.TokenSource == nil {
		return errors.New("no gcp credentials given")
	}
	ts, err := g.TokenSource(ctx)
	if err != nil {
		return fmt.Errorf("gcp credentials: %w", err)
	}
	tok, err := ts.Token()
	if err != nil {
		return fmt.Errorf("gcp credentials: %s", firstLine(err.Error()))
	}
	payload, err := json.Marshal(in)
	if err != nil {
		return err
	}
	endpoint := g.Endpoint
	if endpoint == "" {
		endpoint = "https://cloudkms.googleapis.com"
	}
	url := strings.TrimRight(endpoint, "/") + "/v1/" + resourceID + ":" + verb
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(payload))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	tok.SetAuthHeader(req)
	client := g.HTTPClient
	if client == nil {
		client = &http.Client{Timeout: 30 * time.Second}
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("gcp kms unreachable: %w", err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Error struct{ Message string } `json:"error"`
		}
		if json.Unmarshal(data, &e) == nil && e.Error.Message != "" {
			return fmt.Errorf("gcp kms answered %s: %s", resp.Status, firstLine(e.Error.Message))
		}
		return fmt.Errorf("gcp kms answered %s: %s", resp.Status, firstLine(string(data)))
	}
	return json.Unmarshal(data, out)
}
