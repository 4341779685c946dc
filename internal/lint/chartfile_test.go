package lint

import "testing"

func TestChartfile(t *testing.T) {
	cases := []struct {
		name  string
		chart string
		want  []string
	}{
		{
			name:  "good",
			chart: goodChart,
		},
		{
			name:  "no icon",
			chart: "apiVersion: v2\nname: demo\nversion: 1.2.3\n",
			want:  []string{"[INFO] Chart.yaml: icon is recommended"},
		},
		{
			name:  "numbers where strings belong",
			chart: "apiVersion: v2\nname: demo\nversion: 1.0\nappVersion: 2\nicon: https://x.io/i.png\n",
			want: []string{
				"[ERROR] Chart.yaml: version should be of type string but it's of type float64",
				"[ERROR] Chart.yaml: appVersion should be of type string but it's of type float64",
				"[WARNING] Chart.yaml: version '1' is not a valid SemVerV2",
			},
		},
		{
			name:  "boolean appVersion",
			chart: "apiVersion: v2\nname: demo\nversion: 1.0.0\nappVersion: true\nicon: https://x.io/i.png\n",
			want:  []string{"[ERROR] Chart.yaml: appVersion should be of type string but it's of type bool"},
		},
		{
			name:  "missing everything",
			chart: "description: nothing else\n",
			want: []string{
				"[ERROR] Chart.yaml: name is required",
				`[ERROR] Chart.yaml: apiVersion is required. The value must be either "v1" or "v2"`,
				"[ERROR] Chart.yaml: version is required",
				"[INFO] Chart.yaml: icon is recommended",
				"[WARNING] Chart.yaml: version '' is not a valid SemVerV2",
			},
		},
		{
			name:  "bad name, api version and lowest version",
			chart: "apiVersion: v3\nname: a/b\nversion: 0.0.0-0\nicon: https://x.io/i.png\n",
			want: []string{
				`[ERROR] Chart.yaml: chart name "a/b" is invalid`,
				`[ERROR] Chart.yaml: apiVersion 'v3' is not valid. The value must be either "v1" or "v2"`,
				`[ERROR] Chart.yaml: version "0.0.0-0" is less than or equal to "0.0.0-0"`,
			},
		},
		{
			name:  "not semver",
			chart: "apiVersion: v2\nname: demo\nversion: 0.0.0.0\nicon: https://x.io/i.png\n",
			want: []string{
				"[ERROR] Chart.yaml: version '0.0.0.0' is not a valid SemVer",
				"[WARNING] Chart.yaml: version '0.0.0.0' is not a valid SemVerV2",
			},
		},
		{
			name:  "loose semver",
			chart: "apiVersion: v2\nname: demo\nversion: v1.2\nicon: https://x.io/i.png\n",
			want:  []string{"[WARNING] Chart.yaml: version 'v1.2' is not a valid SemVerV2"},
		},
		{
			name:  "maintainer without name",
			chart: "apiVersion: v2\nname: demo\nversion: 1.0.0\nicon: https://x.io/i.png\nmaintainers:\n- email: a@example.com\n",
			want:  []string{"[ERROR] Chart.yaml: each maintainer requires a name"},
		},
		{
			name:  "maintainer bad email",
			chart: "apiVersion: v2\nname: demo\nversion: 1.0.0\nicon: https://x.io/i.png\nmaintainers:\n- name: m\n  email: nope\n",
			want:  []string{"[ERROR] Chart.yaml: invalid email 'nope' for maintainer 'm'"},
		},
		{
			name:  "maintainer bad url",
			chart: "apiVersion: v2\nname: demo\nversion: 1.0.0\nicon: https://x.io/i.png\nmaintainers:\n- name: m\n  url: '::bad'\n",
			want:  []string{"[ERROR] Chart.yaml: invalid url '::bad' for maintainer 'm'"},
		},
		{
			name:  "empty maintainer",
			chart: "apiVersion: v2\nname: demo\nversion: 1.0.0\nicon: https://x.io/i.png\nmaintainers:\n-\n",
			want:  []string{"[ERROR] Chart.yaml: a maintainer entry is empty"},
		},
		{
			name:  "sources and icon",
			chart: "apiVersion: v2\nname: demo\nversion: 1.0.0\nicon: not a url\nsources: ['https://ok.example.com', '']\n",
			want: []string{
				"[ERROR] Chart.yaml: invalid source URL ''",
				"[ERROR] Chart.yaml: invalid icon URL 'not a url'",
			},
		},
		{
			name:  "v2 fields in a v1 chart",
			chart: "apiVersion: v1\nname: demo\nversion: 1.0.0\nicon: https://x.io/i.png\ntype: library\ndependencies:\n- name: x\n  repository: https://example.com\n",
			want: []string{
				"[ERROR] Chart.yaml: chart type is not valid in apiVersion 'v1'. It is valid in apiVersion 'v2'",
				"[ERROR] Chart.yaml: dependencies are not valid in the Chart file with apiVersion 'v1'. They are valid in apiVersion 'v2'",
			},
		},
		{
			name:  "unknown field",
			chart: goodChart + "colour: blue\n",
			want: []string{
				"[WARNING] Chart.yaml: failed to strictly parse chart metadata file\n\terror unmarshaling JSON: while decoding JSON: json: unknown field \"colour\"",
			},
		},
		{
			name:  "not a map",
			chart: "- a\n",
			want: []string{
				"[ERROR] Chart.yaml: unable to parse YAML\n\terror unmarshaling JSON: while decoding JSON: json: cannot unmarshal array into Go value of type v2.Metadata",
			},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			l := &linter{fsys: chartFS(map[string]string{"Chart.yaml": c.chart}), dir: "/charts/demo"}
			l.chartfile()
			assertMessages(t, messageTexts(l.messages), c.want)
		})
	}
}

func TestChartfileIsFolder(t *testing.T) {
	l := &linter{fsys: chartFS(map[string]string{"Chart.yaml/": ""}), dir: "/charts/demo"}
	l.chartfile()
	if len(l.messages) != 2 {
		t.Fatalf("got %d messages, want 2: %v", len(l.messages), l.messages)
	}
	if got := l.messages[0].Error(); got != "[ERROR] Chart.yaml: should be a file, not a directory" {
		t.Errorf("first message: %q", got)
	}
	// The read error names the file by its full path, as Helm's does.
	if got := l.messages[1].Error(); got[:len("[ERROR] Chart.yaml: unable to parse YAML\n\tread /charts/demo/Chart.yaml")] != "[ERROR] Chart.yaml: unable to parse YAML\n\tread /charts/demo/Chart.yaml" {
		t.Errorf("second message: %q", got)
	}
}
