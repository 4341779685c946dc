package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/pflag"

	"github.com/rudderpm/rudder/internal/repo"
	"github.com/rudderpm/rudder/internal/values"
)

func addValueFlags(f *pflag.FlagSet, v *values.Options) {
	f.StringSliceVarP(&v.ValueFiles, "values", "f", []string{}, "specify values in a YAML file or a URL (can specify multiple)")
	f.StringArrayVar(&v.Values, "set", []string{}, "set values on the command line (can specify multiple or separate values with commas: key1=val1,key2=val2)")
	f.StringArrayVar(&v.StringValues, "set-string", []string{}, "set STRING values on the command line (can specify multiple or separate values with commas: key1=val1,key2=val2)")
	f.StringArrayVar(&v.FileValues, "set-file", []string{}, "set values from respective files specified via the command line (can specify multiple or separate values with commas: key1=path1,key2=path2)")
	f.StringArrayVar(&v.JSONValues, "set-json", []string{}, "set JSON values on the command line (can specify multiple or separate values with commas: key1=jsonval1,key2=jsonval2 or using json format: {\"key1\": jsonval1, \"key2\": \"jsonval2\"})")
	f.StringArrayVar(&v.LiteralValues, "set-literal", []string{}, "set a literal STRING value on the command line")
}

// defaultMaxValuesSize bounds each values input a command reads: every -f file,
// URL or standard input, and every --set-file file; RUDDER_MAX_VALUES_SIZE
// changes it. Helm has no bound, and "-f /dev/zero" grows until the machine gives
// out. 8 MiB is far beyond real values files (a release, values included, must fit
// a 1 MiB Secret once compressed) and keeps the worst case small: parsing YAML
// costs up to about 110 times its size (a flow list "[1,1,...]" of 8 MiB peaks
// near 880 MB), so a larger default would let one file exceed 1 GiB.
const defaultMaxValuesSize = 8 << 20

// maxValuesSizeEnv names the variable that changes defaultMaxValuesSize.
const maxValuesSizeEnv = "RUDDER_MAX_VALUES_SIZE"

// mergeValues reads the user-supplied values (lint's).
func (a *app) mergeValues(ctx context.Context, v values.Options) (map[string]any, error) {
	read, err := a.valuesReader(v)
	if err != nil {
		return nil, err
	}
	if read == nil {
		return v.Merge(nil)
	}
	return v.Merge(func(name string) ([]byte, error) { return read(ctx, name) })
}

// valuesReader returns what reads the files v names: "-" reads standard input
// and an http(s) URL is downloaded (TLS verified), as Helm allows. Each input is
// bounded by maxValuesSize. SOPS-encrypted files are decrypted in memory
// (secretReader). It is nil when v names no file.
func (a *app) valuesReader(v values.Options) (func(ctx context.Context, name string) ([]byte, error), error) {
	if len(v.ValueFiles) == 0 && len(v.FileValues) == 0 {
		return nil, nil
	}
	limit, err := a.maxValuesSize()
	if err != nil {
		return nil, err
	}
	return a.secretReader(func(ctx context.Context, name string) ([]byte, error) { return a.readValuesInput(ctx, name, limit) }), nil
}

// maxValuesSize is the bound on each values input: RUDDER_MAX_VALUES_SIZE as a
// number of bytes, optionally with a binary suffix (512Ki, 64Mi, 1Gi), or
// defaultMaxValuesSize.
func (a *app) maxValuesSize() (int64, error) {
	return a.settings.envSize(maxValuesSizeEnv, defaultMaxValuesSize)
}

// readValuesInput reads one -f or --set-file input of at most limit bytes.
func (a *app) readValuesInput(ctx context.Context, name string, limit int64) ([]byte, error) {
	if name == "-" {
		return readAtMost(a.streams.In, "standard input", limit)
	}
	if scheme, _, ok := strings.Cut(name, "://"); ok && (scheme == "http" || scheme == "https" || a.schemes().HandlesScheme(scheme)) {
		data, err := repo.Get(ctx, name, repo.ClientOptions{MaxSize: limit, Schemes: a.schemes()})
		if errors.Is(err, repo.ErrTooLarge) {
			return nil, valuesTooLarge(name, limit)
		}
		return data, err
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() && fi.Size() > limit {
		return nil, valuesTooLarge(name, limit)
	}
	return readAtMost(f, name, limit)
}

// readAtMost reads r to its end, or fails once it gives more than limit bytes:
// an endless input (/dev/zero, a FIFO, a stream) ends with an error.
func readAtMost(r io.Reader, name string, limit int64) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, fmt.Errorf("values file %s: %w", name, err)
	}
	if int64(len(data)) > limit {
		return nil, valuesTooLarge(name, limit)
	}
	return data, nil
}

func valuesTooLarge(name string, limit int64) error {
	return fmt.Errorf("values file %s: larger than the limit of %d bytes (set %s to raise it)", name, limit, maxValuesSizeEnv)
}
