package cli

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"
)

// newDocsCmd is Helm's hidden docs command: the command tree as markdown, man
// pages or a bash completion script, written into a folder.
func (a *app) newDocsCmd() *cobra.Command {
	var dir, kind string
	var headers bool
	cmd := &cobra.Command{
		Use:    "docs",
		Short:  "generate documentation as markdown or man pages",
		Long:   "Generate documentation files for " + a.programName() + ": markdown (with --generate-headers, front matter for static sites), man pages, or a bash completion script.",
		Hidden: true,
		Args:   noArgs,
		ValidArgsFunction: func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
			return noMoreArgs()
		},
		RunE: func(c *cobra.Command, _ []string) error {
			return writeDocs(c.Root(), dir, kind, headers)
		},
	}
	f := cmd.Flags()
	f.StringVar(&dir, "dir", "./", "directory to which documentation is written")
	f.StringVar(&kind, "type", "markdown", "the type of documentation to generate (markdown, man, bash)")
	f.BoolVar(&headers, "generate-headers", false, "generate standard headers for markdown files")
	_ = cmd.RegisterFlagCompletionFunc("type", fixedComp("bash", "man", "markdown"))
	return cmd
}

func writeDocs(root *cobra.Command, dir, kind string, headers bool) error {
	switch kind {
	case "markdown", "mdown", "md":
		if !headers {
			return doc.GenMarkdownTree(root, dir)
		}
		front := func(file string) string {
			name := strings.TrimSuffix(filepath.Base(file), filepath.Ext(file))
			return fmt.Sprintf("---\ntitle: %q\n---\n\n", titleWords(strings.ReplaceAll(name, "_", " ")))
		}
		return doc.GenMarkdownTreeCustom(root, dir, front, func(s string) string { return s })
	case "man":
		return doc.GenManTree(root, &doc.GenManHeader{Title: strings.ToUpper(root.Name()), Section: "1"}, dir)
	case "bash":
		return root.GenBashCompletionFile(filepath.Join(dir, "completions.bash"))
	}
	return fmt.Errorf("unknown doc type %q. Try 'markdown' or 'man'", kind)
}

// titleWords capitalises the first letter of each space-separated word.
func titleWords(s string) string {
	words := strings.Split(s, " ")
	for i, w := range words {
		if w != "" {
			words[i] = strings.ToUpper(w[:1]) + w[1:]
		}
	}
	return strings.Join(words, " ")
}
