package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/rudderpm/rudder/internal/atomicfile"
	"github.com/rudderpm/rudder/internal/secrets"
)

const secretsLong = `Encrypt, decrypt, view and edit SOPS files, as helm-secrets does, without the
sops binary: files are read and decrypted in memory.

Values files encrypted with SOPS are decrypted wherever values are read
(install, upgrade, template, lint, diff): name them with helm-secrets' schemes
(-f secrets://secrets.yaml, secrets+age-import://KEY?FILE,
secrets+gpg-import://KEY?FILE), or plainly (-f secrets.yaml): any values file
that carries sops metadata is decrypted. 'rudder secrets install|upgrade|
template|lint|diff' are the plain commands under helm-secrets' names.

Keys are found as sops finds them: SOPS_AGE_KEY, SOPS_AGE_KEY_FILE and
~/.config/sops/age/keys.txt for age; the GnuPG keyring (GNUPGHOME) for PGP;
VAULT_TOKEN for HashiCorp Vault transit keys. Recipients for encryption come
from --age/--pgp/--kms/--gcp-kms or from the first matching creation rule of .sops.yaml.
`

func (a *app) newSecretsCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "secrets",
		Short: "encrypt, decrypt, view and edit SOPS-encrypted values files",
		Long:  secretsLong,
		Args:  noArgs,
	}
	cmd.AddCommand(a.newSecretsEncryptCmd(), a.newSecretsDecryptCmd("decrypt"), a.newSecretsDecryptCmd("view"), a.newSecretsEditCmd())
	// helm-secrets' wrapper commands are the plain ones: values are decrypted anyway.
	cmd.AddCommand(a.newInstallCmd(), a.newUpgradeCmd(), a.newTemplateCmd(), a.newLintCmd(), a.newDiffCmd())
	return cmd
}

// secretsFileFlags are what encrypt and decrypt share.
type secretsFileFlags struct {
	inPlace   bool
	output    string
	inputType string
}

func (f *secretsFileFlags) add(cmd *cobra.Command) {
	cmd.Flags().BoolVarP(&f.inPlace, "in-place", "i", false, "write the result back to the file")
	cmd.Flags().StringVar(&f.output, "output", "", "write the result to this file instead of standard output")
	cmd.Flags().StringVar(&f.inputType, "input-type", "", "file format (yaml, json, dotenv, binary); by default, from the file's extension")
}

func (f *secretsFileFlags) format(name string) (secrets.Format, error) {
	if f.inputType == "" {
		return secrets.FormatOf(name), nil
	}
	return secrets.ParseFormat(f.inputType)
}

// read checks that the flags go together, then reads the file name and says
// which format it is in.
func (f *secretsFileFlags) read(name string) ([]byte, secrets.Format, error) {
	if f.inPlace && f.output != "" {
		return nil, 0, errors.New("--in-place and --output cannot be used together")
	}
	format, err := f.format(name)
	if err != nil {
		return nil, 0, err
	}
	data, err := readSecretsFile(name)
	return data, format, err
}

// write puts a result where the flags say: the file itself, --output, or stdout.
func (a *app) writeSecretsResult(f *secretsFileFlags, name string, data []byte) error {
	switch {
	case f.inPlace:
		mode := os.FileMode(0o600)
		if fi, err := os.Stat(name); err == nil {
			mode = fi.Mode().Perm()
		}
		return atomicfile.Write(name, data, mode)
	case f.output != "":
		return atomicfile.Write(f.output, data, 0o600)
	}
	_, err := a.streams.Out.Write(data)
	return err
}

func (a *app) newSecretsEncryptCmd() *cobra.Command {
	var (
		f      secretsFileFlags
		opts   secrets.EncryptOptions
		config string
	)
	cmd := &cobra.Command{
		Use:   "encrypt FILE",
		Short: "encrypt a file with SOPS, for the keys of --age/--pgp/--kms/--gcp-kms or .sops.yaml",
		Args:  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			name := args[0]
			plain, format, err := f.read(name)
			if err != nil {
				return err
			}
			o := opts
			if len(o.Age) == 0 && len(o.PGP) == 0 && len(o.KMS) == 0 && len(o.GCPKMS) == 0 {
				if o, err = a.creationRule(config, name, opts); err != nil {
					return err
				}
			}
			o.GnuPGHome = a.settings.getenv("GNUPGHOME")
			o.AWS = a.awsKMS()
			o.GCP = a.gcpKMS()
			if o.AWSProfile == "" {
				o.AWSProfile = opts.AWSProfile
			}
			enc, err := secrets.EncryptFormat(cmd.Context(), name, plain, format, o)
			if err != nil {
				return err
			}
			return a.writeSecretsResult(&f, name, enc)
		},
	}
	f.add(cmd)
	fl := cmd.Flags()
	fl.StringSliceVar(&opts.Age, "age", nil, "age recipients to encrypt for (comma-separated)")
	fl.StringSliceVar(&opts.PGP, "pgp", nil, "PGP fingerprints to encrypt for (comma-separated), from the GnuPG keyring")
	fl.StringSliceVar(&opts.KMS, "kms", nil, "AWS KMS key ARNs to encrypt for (comma-separated; ARN+ROLE_ARN assumes a role)")
	fl.StringSliceVar(&opts.GCPKMS, "gcp-kms", nil, "GCP KMS key resource IDs to encrypt for (comma-separated)")
	fl.StringVar(&opts.AWSProfile, "aws-profile", "", "the AWS profile to reach KMS with, recorded in the file")
	fl.StringVar(&opts.UnencryptedSuffix, "unencrypted-suffix", "", "leave in clear the values whose key ends with this suffix (default _unencrypted)")
	fl.StringVar(&opts.EncryptedSuffix, "encrypted-suffix", "", "encrypt only the values whose key ends with this suffix")
	fl.StringVar(&opts.UnencryptedRegex, "unencrypted-regex", "", "leave in clear the values whose key matches this regular expression")
	fl.StringVar(&opts.EncryptedRegex, "encrypted-regex", "", "encrypt only the values whose key matches this regular expression")
	fl.BoolVar(&opts.MACOnlyEncrypted, "mac-only-encrypted", false, "compute the MAC over the encrypted values only")
	fl.StringVar(&config, "config", "", "the .sops.yaml to take creation rules from (default: the nearest one from the working directory up)")
	return cmd
}

// creationRule finds .sops.yaml (config, else the nearest from the working
// directory up, as sops does) and returns its rule for name, with the rules
// given as flags kept over it.
func (a *app) creationRule(config, name string, flags secrets.EncryptOptions) (secrets.EncryptOptions, error) {
	if config == "" {
		config = findSopsConfig()
		if config == "" {
			return secrets.EncryptOptions{}, fmt.Errorf("%s: no recipient: give --age or --pgp, or write a .sops.yaml with creation_rules", name)
		}
	}
	data, err := readKeyFile(config)
	if err != nil {
		return secrets.EncryptOptions{}, err
	}
	c, err := secrets.ParseConfig(data)
	if err != nil {
		return secrets.EncryptOptions{}, fmt.Errorf("%s: %w", config, err)
	}
	o, err := c.Options(filepath.Dir(config), name)
	if err != nil {
		return secrets.EncryptOptions{}, fmt.Errorf("%s: %w", config, err)
	}
	for _, s := range []struct{ flag, rule *string }{
		{&flags.UnencryptedSuffix, &o.UnencryptedSuffix}, {&flags.EncryptedSuffix, &o.EncryptedSuffix},
		{&flags.UnencryptedRegex, &o.UnencryptedRegex}, {&flags.EncryptedRegex, &o.EncryptedRegex},
	} {
		if *s.flag != "" {
			*s.rule = *s.flag
		}
	}
	o.MACOnlyEncrypted = o.MACOnlyEncrypted || flags.MACOnlyEncrypted
	return o, nil
}

// findSopsConfig is the nearest .sops.yaml from the working directory up.
func findSopsConfig() string {
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		for _, n := range secrets.ConfigFileNames {
			p := filepath.Join(dir, n)
			if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() {
				return p
			}
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

func (a *app) newSecretsDecryptCmd(use string) *cobra.Command {
	var f secretsFileFlags
	short := "decrypt a SOPS file, in memory, to standard output (or --in-place)"
	if use == "view" {
		short = "show a SOPS file decrypted, as decrypt does"
	}
	cmd := &cobra.Command{
		Use:   use + " FILE",
		Short: short,
		Args:  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			name := args[0]
			data, format, err := f.read(name)
			if err != nil {
				return err
			}
			keys, err := a.secretKeys()
			if err != nil {
				return err
			}
			plain, err := secrets.DecryptFormat(cmd.Context(), name, data, format, keys)
			if err != nil {
				return err
			}
			return a.writeSecretsResult(&f, name, plain)
		},
	}
	f.add(cmd)
	if use == "view" {
		cmd.Flags().MarkHidden("in-place")
		cmd.Flags().MarkHidden("output")
	}
	return cmd
}

func (a *app) newSecretsEditCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "edit FILE",
		Short: "decrypt a SOPS file, edit it with $EDITOR, and encrypt it again for the same keys",
		Long: `Decrypt a SOPS file, open it in $EDITOR (vi by default), and encrypt the
result again with the same data key, keys and rules.

The editor needs a file: its copy is written in a private folder under /dev/shm
(memory, not disk) where the system has one, else under the temporary folder,
and removed as soon as the editor exits. Every other secrets command works in
memory only.`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			name := args[0]
			data, err := readSecretsFile(name)
			if err != nil {
				return err
			}
			keys, err := a.secretKeys()
			if err != nil {
				return err
			}
			fi, err := os.Stat(name)
			if err != nil {
				return err
			}
			out, err := secrets.Edit(cmd.Context(), name, data, keys, func(plain []byte) ([]byte, error) {
				return a.runEditor(cmd.Context(), name, plain)
			})
			if err != nil {
				return err
			}
			return atomicfile.Write(name, out, fi.Mode().Perm())
		},
	}
}

// runEditor lets the user's editor change plain, through a file kept in memory
// where the system allows, removed when the editor exits.
func (a *app) runEditor(ctx context.Context, name string, plain []byte) ([]byte, error) {
	base := os.TempDir()
	if fi, err := os.Stat("/dev/shm"); err == nil && fi.IsDir() {
		base = "/dev/shm"
	} else {
		fmt.Fprintf(a.streams.Err, "WARNING: no /dev/shm: the decrypted copy for the editor is written under %s until the editor exits\n", base)
	}
	dir, err := os.MkdirTemp(base, "rudder-secrets-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	tmp := filepath.Join(dir, filepath.Base(name))
	if err := os.WriteFile(tmp, plain, 0o600); err != nil {
		return nil, err
	}
	editor := strings.Fields(a.settings.getenv("EDITOR"))
	if len(editor) == 0 {
		editor = []string{"vi"}
	}
	c := exec.CommandContext(ctx, editor[0], append(editor[1:], tmp)...)
	c.Stdin, c.Stdout, c.Stderr = a.streams.In, a.streams.Out, a.streams.Err
	if err := c.Run(); err != nil {
		return nil, fmt.Errorf("%s: editor %s: %w", name, editor[0], err)
	}
	return os.ReadFile(tmp)
}

// readSecretsFile reads a file the secrets commands work on.
func readSecretsFile(name string) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, defaultMaxValuesSize+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if len(data) > defaultMaxValuesSize {
		return nil, fmt.Errorf("%s: larger than %d bytes", name, defaultMaxValuesSize)
	}
	return data, nil
}
