package lint

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"strings"

	k8syaml "k8s.io/apimachinery/pkg/util/yaml"

	"github.com/rudderpm/rudder/internal/chart"
)

const crdsDir = "crds/"

// crds checks that every file under crds/ (the chart's and its subcharts') holds only
// CustomResourceDefinitions. ch and loadErr are the chart as loaded.
func (l *linter) crds(ch *chart.Chart, loadErr error) {
	fi, err := l.stat(strings.TrimSuffix(crdsDir, "/"))
	if errors.Is(err, fs.ErrNotExist) {
		return
	}
	if err == nil && !fi.IsDir() {
		err = errors.New("not a directory")
	}
	if !l.check(Error, crdsDir, err) {
		return
	}
	l.loaded(ch)
	if !l.check(Error, crdsDir, loadErr) {
		return
	}

	for _, crd := range ch.CRDObjects() {
		dec := k8syaml.NewYAMLOrJSONDecoder(bytes.NewReader(crd.File.Data), 4096)
		for {
			var obj *object
			err := dec.Decode(&obj)
			if errors.Is(err, io.EOF) {
				break
			}
			if !l.check(Error, crd.Name, yamlError(err)) {
				return
			}
			if obj == nil {
				continue
			}
			l.check(Error, crd.Name, checkCRDAPIVersion(obj))
			l.check(Error, crd.Name, checkCRDKind(obj))
		}
	}
}

func checkCRDAPIVersion(obj *object) error {
	if !strings.HasPrefix(obj.APIVersion, "apiextensions.k8s.io") {
		return errors.New("apiVersion is not in 'apiextensions.k8s.io'")
	}
	return nil
}

func checkCRDKind(obj *object) error {
	if obj.Kind != "CustomResourceDefinition" {
		return errors.New("object kind is not 'CustomResourceDefinition'")
	}
	return nil
}
