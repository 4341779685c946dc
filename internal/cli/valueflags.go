package cli

import (
	"context"
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

// mergeValues reads the user-supplied values; "-" reads standard input and an
// http(s) URL is downloaded (size-limited, TLS verified), as Helm allows.
func (a *app) mergeValues(v values.Options) (map[string]any, error) {
	return v.Merge(func(name string) ([]byte, error) {
		if name == "-" {
			return io.ReadAll(a.streams.In)
		}
		if strings.HasPrefix(name, "http://") || strings.HasPrefix(name, "https://") {
			return repo.Get(context.Background(), name, repo.ClientOptions{MaxSize: 16 << 20})
		}
		return os.ReadFile(name)
	})
}
