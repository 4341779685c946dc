package secrets

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// AWS says how AWS KMS is reached. Its zero value cannot reach AWS: a file
// sealed for a KMS key then fails to open with an error naming the key.
type AWS struct {
	// LoadConfig returns the AWS configuration (credentials, endpoints) for
	// region with the named shared-config profile ("" for the default). The
	// CLI loads it with the SDK's standard chain from env and shared files.
	LoadConfig func(ctx context.Context, region, profile string) (aws.Config, error)
	// Profile is the profile used when a key names none (AWS_PROFILE).
	Profile string
	// Endpoint, when set, replaces the KMS endpoint the configuration
	// resolves (AWS_ENDPOINT_URL_KMS, tests); STS keeps the configuration's.
	Endpoint string
	// HTTPClient, when set, replaces the configuration's HTTP client.
	HTTPClient *http.Client
}

// kmsKey is an AWS KMS key entry in SOPS metadata, in SOPS' field order.
type kmsKey struct {
	ARN        string            `yaml:"arn" json:"arn"`
	Role       string            `yaml:"role,omitempty" json:"role,omitempty"`
	Context    map[string]string `yaml:"context,omitempty" json:"context,omitempty"`
	CreatedAt  string            `yaml:"created_at" json:"created_at"`
	Enc        string            `yaml:"enc" json:"enc"`
	AWSProfile string            `yaml:"aws_profile" json:"aws_profile"`
}

// kmsARN matches a KMS key or alias ARN, capturing its region.
var kmsARN = regexp.MustCompile(`^arn:aws[\w-]*:kms:([^:]+):[0-9]+:(key|alias)/.+$`)

// client returns a KMS client for the key's region and credentials, after
// assuming the key's role when it names one.
func (a AWS) client(ctx context.Context, k kmsKey) (*kms.Client, error) {
	m := kmsARN.FindStringSubmatch(k.ARN)
	if m == nil {
		return nil, errors.New("not a valid kms key arn")
	}
	if a.LoadConfig == nil {
		return nil, errors.New("no aws configuration given")
	}
	profile := k.AWSProfile
	if profile == "" {
		profile = a.Profile
	}
	cfg, err := a.LoadConfig(ctx, m[1], profile)
	if err != nil {
		return nil, fmt.Errorf("aws configuration: %w", err)
	}
	cfg.Region = m[1]
	if a.HTTPClient != nil {
		cfg.HTTPClient = a.HTTPClient
	}
	if k.Role != "" {
		stsClient := sts.NewFromConfig(cfg)
		out, err := stsClient.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(k.Role), RoleSessionName: aws.String("rudder")})
		if err != nil {
			return nil, fmt.Errorf("assuming role %s: %w", k.Role, err)
		}
		c := out.Credentials
		cfg.Credentials = credentials.NewStaticCredentialsProvider(aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), aws.ToString(c.SessionToken))
	}
	return kms.NewFromConfig(cfg, func(o *kms.Options) {
		if a.Endpoint != "" {
			o.BaseEndpoint = aws.String(a.Endpoint)
		}
	}), nil
}

// openKMS asks AWS KMS to decrypt the data key.
func (a AWS) openKMS(ctx context.Context, k kmsKey) ([]byte, error) {
	blob, err := base64.StdEncoding.DecodeString(k.Enc)
	if err != nil {
		return nil, fmt.Errorf("enc: %w", err)
	}
	c, err := a.client(ctx, k)
	if err != nil {
		return nil, err
	}
	out, err := c.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: blob, KeyId: aws.String(k.ARN), EncryptionContext: k.Context})
	if err != nil {
		return nil, errors.New(firstLine(err.Error()))
	}
	return out.Plaintext, nil
}

// sealKMS asks AWS KMS to encrypt the data key for k.
func (a AWS) sealKMS(ctx context.Context, k kmsKey, key []byte, now time.Time) (kmsKey, error) {
	c, err := a.client(ctx, k)
	if err != nil {
		return k, err
	}
	out, err := c.Encrypt(ctx, &kms.EncryptInput{KeyId: aws.String(k.ARN), Plaintext: key, EncryptionContext: k.Context})
	if err != nil {
		return k, errors.New(firstLine(err.Error()))
	}
	k.Enc = base64.StdEncoding.EncodeToString(out.CiphertextBlob)
	k.CreatedAt = now.UTC().Format(time.RFC3339)
	return k, nil
}
