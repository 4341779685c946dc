package hostile

import (
	"os"
	"path/filepath"
)

// Chart names a chart folder whose templates attack the renderer.
type Chart struct {
	Name string
	// Templates and Values are the chart's files (template name -> text).
	Templates map[string]string
	Values    string
}

// RenderCharts returns the charts whose rendering once crashed Rudder or took gigabytes.
func RenderCharts() []Chart {
	return []Chart{
		{Name: "tpl-recursion", Values: "v: \"{{ tpl .Values.v . }}\"\n",
			Templates: map[string]string{"cm.yaml": "{{ tpl .Values.v . }}\n"}},
		{Name: "range-until", Templates: map[string]string{"cm.yaml": "{{ range until 100000000 }}x{{ end }}\n"}},
		{Name: "doubling", Templates: map[string]string{
			"cm.yaml": "{{ $s := \"xx\" }}{{ range until 40 }}{{ $s = print $s $s }}{{ end }}{{ $s }}\n"}},
	}
}

// Write creates the chart in dir/<name> and returns that folder.
func (c Chart) Write(dir string) (string, error) {
	root := filepath.Join(dir, c.Name)
	files := map[string]string{"Chart.yaml": chartYAML(c.Name), "values.yaml": c.Values}
	for name, text := range c.Templates {
		files[filepath.Join("templates", name)] = text
	}
	for name, data := range files {
		p := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return "", err
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			return "", err
		}
	}
	return root, nil
}
