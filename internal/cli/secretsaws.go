package cli

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"

	"github.com/rudderpm/rudder/internal/secrets"
)

// awsKMS says how AWS KMS is reached, as sops does: the SDK's standard chain
// (AWS_* variables, shared config and credentials files, web identity, SSO,
// instance roles), AWS_PROFILE, and AWS_ENDPOINT_URL_KMS or AWS_ENDPOINT_URL.
func (a *app) awsKMS() secrets.AWS {
	env := a.settings.getenv
	endpoint := env("AWS_ENDPOINT_URL_KMS")
	if endpoint == "" {
		endpoint = env("AWS_ENDPOINT_URL")
	}
	return secrets.AWS{
		Profile:  env("AWS_PROFILE"),
		Endpoint: endpoint,
		LoadConfig: func(ctx context.Context, region, profile string) (aws.Config, error) {
			return config.LoadDefaultConfig(ctx, config.WithRegion(region), config.WithSharedConfigProfile(profile))
		},
	}
}
