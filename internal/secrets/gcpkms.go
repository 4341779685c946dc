package secrets

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
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
	endpoint := g.Endpoint
	if endpoint == "" {
		endpoint = "https://cloudkms.googleapis.com"
	}
	url := strings.TrimRight(endpoint, "/") + "/v1/" + resourceID + ":" + verb
	client := g.HTTPClient
	if client == nil {
		client = &http.Client{Timeout: 30 * time.Second}
	}
	auth := http.Header{"Authorization": {tok.Type() + " " + tok.AccessToken}}
	return postJSON(ctx, client, "gcp kms", url, auth, in, out)
}
