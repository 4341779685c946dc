package action

import (
	"bytes"
	"context"
	"fmt"
	"strings"

	"github.com/rudderpm/rudder/internal/manifest"
)

// postRender sends the rendered manifests through the post-renderer as one stream and
// splits its output back by source template.
// TODO(rudder): annotate documents with their source so the output keeps file names.
func postRender(ctx context.Context, pr PostRenderer, files map[string]string) (map[string]string, error) {
	var in bytes.Buffer
	for _, name := range sortedKeys(files) {
		for _, doc := range manifest.Split(files[name]) {
			fmt.Fprintf(&in, "---\n%s\n", strings.TrimRight(doc, "\n"))
		}
	}
	out, err := pr.Run(ctx, &in)
	if err != nil {
		return nil, fmt.Errorf("error while running post render on files: %w", err)
	}
	return map[string]string{"generated-by-postrender.yaml": out.String()}, nil
}
