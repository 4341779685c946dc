package lint

import (
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/api/validate/content"
	"k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// checkObjectName checks metadata.name with the rule the API server applies to the
// object's kind.
func checkObjectName(obj *object) error {
	name := obj.Metadata.Name
	var errs field.ErrorList
	for _, msg := range nameRule(obj.Kind)(name, false) {
		errs = append(errs, field.Invalid(field.NewPath("metadata").Child("name"), name, msg))
	}
	if len(errs) > 0 {
		return fmt.Errorf("object name does not conform to Kubernetes naming requirements: %q: %w", name, errs.ToAggregate())
	}
	return nil
}

// nameRule returns the name validation of a kind, as the Kubernetes API validations
// define them; unknown kinds get the most common rule, a DNS subdomain.
func nameRule(kind string) validation.ValidateNameFunc {
	switch strings.ToLower(kind) {
	case "service":
		return validation.NameIsDNS1035Label
	case "namespace":
		return validation.ValidateNamespaceName
	case "serviceaccount":
		return validation.ValidateServiceAccountName
	case "certificatesigningrequest":
		return func(string, bool) []string { return nil }
	case "role", "clusterrole", "rolebinding", "clusterrolebinding":
		return func(name string, _ bool) []string { return content.IsPathSegmentName(name) }
	}
	return validation.NameIsDNSSubdomain
}
