// Package secrets reads and writes SOPS-encrypted files in memory, so encrypted
// values files (helm-secrets' secrets.yaml) work without the sops binary and
// without a decrypted copy on disk.
//
// It speaks SOPS' file format (github.com/getsops/sops/v3, files written by sops
// 3.x): YAML, JSON, dotenv and binary files, values sealed one by one with
// AES256-GCM under a data key, the data key sealed for each master key, and a MAC
// over all values checked before anything is returned. The data key is opened
// with age identities and PGP keys (sops' own age and pgp key sources: an
// in-memory armored secret key first, then GnuPG's keyring through gpg), or with
// HashiCorp Vault's transit engine over HTTP, or with AWS KMS (the AWS SDK's
// kms client, assuming the key's role through STS when it names one), or with
// GCP Cloud KMS's REST API. Azure Key Vault and HuaweiCloud KMS keys are
// recognised but not opened yet: the error names the key and its type, and
// says to add another key to the file (sops updatekeys). sops' own key-service packages are not used: they
// bring every cloud SDK into the program's start-up.
//
// The package never reads the environment or the user's files: the caller
// resolves keys (SOPS_AGE_KEY_FILE, GNUPGHOME, VAULT_TOKEN, ...) and passes them
// in Keys, with AWS settings (a configuration loader, profile, endpoint) in AWS
// and GCP ones (a token source, endpoint) in GCP.
//
//	keys := secrets.Keys{AgeIdentities: keyFileContents}
//	plain, err := secrets.Decrypt(ctx, "secrets.yaml", data, keys)
//
//	enc, err := secrets.Encrypt(ctx, "secrets.yaml", plain, secrets.EncryptOptions{
//		Age: []string{"age1..."},
//	})
package secrets
