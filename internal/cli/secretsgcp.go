package cli

import (
	"context"
	"os"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/google"

	"github.com/rudderpm/rudder/internal/secrets"
)

const gcpKMSScope = "https://www.googleapis.com/auth/cloudkms"

// gcpKMS says how GCP Cloud KMS is reached, as sops finds credentials:
// GOOGLE_CREDENTIALS (a service account or ADC JSON file's path or contents),
// GOOGLE_OAUTH_ACCESS_TOKEN, then Application Default Credentials
// (GOOGLE_APPLICATION_CREDENTIALS, gcloud's file, the metadata server).
// SOPS_GCP_KMS_ENDPOINT overrides the endpoint.
func (a *app) gcpKMS() secrets.GCP {
	env := a.settings.getenv
	creds, token := env("GOOGLE_CREDENTIALS"), env("GOOGLE_OAUTH_ACCESS_TOKEN")
	return secrets.GCP{
		Endpoint: env("SOPS_GCP_KMS_ENDPOINT"),
		TokenSource: func(ctx context.Context) (oauth2.TokenSource, error) {
			if creds != "" {
				data := []byte(creds)
				if b, err := os.ReadFile(creds); err == nil {
					data = b
				}
				c, err := google.CredentialsFromJSON(ctx, data, gcpKMSScope)
				if err != nil {
					return nil, err
				}
				return c.TokenSource, nil
			}
			if token != "" {
				return oauth2.StaticTokenSource(&oauth2.Token{AccessToken: token}), nil
			}
			return google.DefaultTokenSource(ctx, gcpKMSScope)
		},
	}
}
