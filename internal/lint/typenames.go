package lint

import "strings"

// Decoding errors name Go types ("cannot unmarshal array into Go value of type
// chart.Metadata"). Helm's messages name Helm's types; goTypeNames rewrites ours to
// theirs so the messages read the same.
var goTypeNames = strings.NewReplacer(
	"chart.Metadata", "v2.Metadata",
	"chart.Maintainer", "v2.Maintainer",
	"chart.Dependency", "v2.Dependency",
	"chart.Lock", "v2.Lock",
	"Go struct field object.", "Go struct field k8sYamlStruct.",
	"lint.objectMeta", "rules.k8sYamlMetadata",
)

// helmTypes is an error whose text names Helm's types instead of Rudder's.
type helmTypes struct{ err error }

func (e helmTypes) Error() string { return goTypeNames.Replace(e.err.Error()) }
func (e helmTypes) Unwrap() error { return e.err }

// withHelmTypes wraps err, if any, in helmTypes.
func withHelmTypes(err error) error {
	if err == nil {
		return nil
	}
	return helmTypes{err}
}
