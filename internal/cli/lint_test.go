package cli

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// lintRun runs rudder with args from testdata/lint.
func lintRun(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	t.Chdir("testdata/lint")
	var out, errOut bytes.Buffer
	getenv := func(k string) string {
		switch k {
		case "HOME":
			return t.TempDir()
		case "HELM_NAMESPACE":
			return "team"
		}
		return ""
	}
	code = Run(context.Background(), args, Streams{In: strings.NewReader(""), Out: &out, Err: &errOut, Getenv: getenv})
	return out.String(), errOut.String(), code
}

func TestLintCommand(t *testing.T) {
	const (
		serviceName = `[WARNING] templates/service.yaml: object name does not conform to Kubernetes naming requirements: "Web_Server": metadata.name: Invalid value: "Web_Server": a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')` + "\n"
		pdb         = "[WARNING] templates/service.yaml: policy/v1beta1 PodDisruptionBudget is deprecated in v1.21+, unavailable in v1.25+; use policy/v1 PodDisruptionBudget\n"
		noIcon      = "[INFO] Chart.yaml: icon is recommended\n"
	)
	cases := []struct {
		name    string
		args    []string
		out     string
		code    int
		errHave string // a line stderr must contain
	}{
		{
			name: "clean chart",
			args: []string{"lint", "good"},
			out:  "==> Linting good\n" + noIcon + "\n1 chart(s) linted, 0 chart(s) failed\n",
		},
		{
			name: "warnings pass",
			args: []string{"lint", "warn"},
			out:  "==> Linting warn\n" + serviceName + pdb + "\n1 chart(s) linted, 0 chart(s) failed\n",
		},
		{
			name:    "warnings fail when strict",
			args:    []string{"lint", "warn", "--strict"},
			out:     "==> Linting warn\n" + serviceName + pdb + "\n",
			code:    1,
			errHave: "Error: 1 chart(s) linted, 1 chart(s) failed",
		},
		{
			name: "an older cluster has no deprecation",
			args: []string{"lint", "warn", "--kube-version", "1.20"},
			out:  "==> Linting warn\n" + serviceName + "\n1 chart(s) linted, 0 chart(s) failed\n",
		},
		{
			name:    "errors fail",
			args:    []string{"lint", "bad"},
			out:     "==> Linting bad\n" + noIcon + "[WARNING] Chart.yaml: version '1.0' is not a valid SemVerV2\n[ERROR] templates/configmap.yaml: unable to parse YAML: error converting YAML to JSON: yaml: line 7: mapping values are not allowed in this context\n\n",
			code:    1,
			errHave: "Error: 1 chart(s) linted, 1 chart(s) failed",
		},
		{
			name: "several charts",
			args: []string{"lint", "good", "warn"},
			out:  "==> Linting good\n" + noIcon + "\n==> Linting warn\n" + serviceName + pdb + "\n2 chart(s) linted, 0 chart(s) failed\n",
		},
		{
			name: "quiet hides clean charts and infos",
			args: []string{"lint", "--quiet", "good", "warn"},
			out:  "==> Linting warn\n" + serviceName + pdb + "\n2 chart(s) linted, 0 chart(s) failed\n",
		},
		{
			name: "quiet and clean prints nothing",
			args: []string{"lint", "--quiet", "good"},
			out:  "",
		},
		{
			name: "subcharts",
			args: []string{"lint", "good", "--with-subcharts"},
			out:  "==> Linting good\n" + noIcon + "\n==> Linting good/charts/sub\n" + noIcon + "\n2 chart(s) linted, 0 chart(s) failed\n",
		},
		{
			name:    "values against the schema",
			args:    []string{"lint", "good", "--set", "replicas=0"},
			out:     "==> Linting good\n" + noIcon + "[ERROR] values.yaml: - at '/replicas': minimum: got 0, want 1\n\n[ERROR] templates/: values don't meet the specifications of the schema(s) in the following chart(s):\ngood:\n- at '/replicas': minimum: got 0, want 1\n\n\n",
			code:    1,
			errHave: "Error: 1 chart(s) linted, 1 chart(s) failed",
		},
		{
			name: "schema skipped",
			args: []string{"lint", "good", "--set", "replicas=0", "--skip-schema-validation"},
			out:  "==> Linting good\n" + noIcon + "\n1 chart(s) linted, 0 chart(s) failed\n",
		},
		{
			name:    "required only warns", // "values": Helm's word for an empty string
			args:    []string{"lint", "good", "--set", "image.tag="},
			out:     "==> Linting good\n" + noIcon + "\n1 chart(s) linted, 0 chart(s) failed\n",
			errHave: `level=WARN msg="missing required values" message="image.tag is required"`,
		},
		{
			name:    "not a chart",
			args:    []string{"lint", "nochart", "good"},
			out:     "==> Linting nochart\nError unable to check Chart.yaml file in chart: stat nochart/Chart.yaml: no such file or directory\n\n==> Linting good\n" + noIcon + "\n",
			code:    1,
			errHave: "Error: 2 chart(s) linted, 1 chart(s) failed",
		},
		{
			name:    "bad kube version",
			args:    []string{"lint", "good", "--kube-version", "abc"},
			code:    1,
			errHave: "Error: invalid kube version 'abc': ",
		},
		{
			name:    "no path",
			args:    []string{"lint"},
			code:    1,
			errHave: `Error: "rudder lint" requires at least 1 argument`,
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out, errOut, code := lintRun(t, c.args...)
			if out != c.out {
				t.Errorf("stdout:\n%s\nwant:\n%s", out, c.out)
			}
			if code != c.code {
				t.Errorf("exit code %d, want %d", code, c.code)
			}
			if c.errHave != "" && !strings.Contains(errOut, c.errHave) {
				t.Errorf("stderr %q lacks %q", errOut, c.errHave)
			}
			if c.errHave == "" && errOut != "" {
				t.Errorf("unexpected stderr %q", errOut)
			}
		})
	}
}
