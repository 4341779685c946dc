package internal_test

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// forbidden lists, by import path, the functions and variables that only the CLI may
// use: logging, printing to the terminal, and the process environment. Libraries
// return warnings as data (package warn) and take settings as parameters.
var forbidden = map[string]map[string]bool{
	"log/slog": set("Debug", "Info", "Warn", "Error", "Log", "LogAttrs",
		"DebugContext", "InfoContext", "WarnContext", "ErrorContext", "Default", "SetDefault"),
	"log": set("Print", "Printf", "Println", "Fatal", "Fatalf", "Fatalln", "Panic", "Panicf", "Panicln",
		"Default", "SetOutput", "SetFlags", "SetPrefix", "Output", "Writer"),
	"fmt": set("Print", "Printf", "Println"),
	"os": set("Getenv", "LookupEnv", "Environ", "ExpandEnv", "Setenv", "Unsetenv", "Clearenv",
		"Stdin", "Stdout", "Stderr"),
}

// quietExempt are the folders under internal/ whose code may do what forbidden
// lists: the CLI (it owns the terminal, flags and environment) and the packages that
// only tests use, which read their settings from the environment of `go test`.
var quietExempt = []string{"cli", "localcluster", "testenv", "pgtest", "registry/registrytest"}

// TestLibrariesDoNotPrint parses every non-test Go file below internal/ (outside
// quietExempt) and fails on each use of a forbidden function or variable, and of the
// print and println built-ins. It reads the syntax tree, so comments and strings do
// not count.
func TestLibrariesDoNotPrint(t *testing.T) {
	files := 0
	var found []string
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); path != "." && (strings.HasPrefix(name, ".") || name == "testdata" || isQuietExempt(path)) {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		files++
		uses, err := loudUses(path)
		found = append(found, uses...)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < 50 {
		t.Fatalf("checked only %d files; is the walk right?", files)
	}
	sort.Strings(found)
	for _, f := range found {
		t.Errorf("%s: only the CLI logs, prints or reads the environment (see DESIGN.md); return data or take a parameter", f)
	}
}

func isQuietExempt(dir string) bool {
	for _, e := range quietExempt {
		if filepath.ToSlash(dir) == e {
			return true
		}
	}
	return false
}

// loudUses lists the forbidden uses in one file as "file:line: pkg.Name".
func loudUses(path string) ([]string, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
	if err != nil {
		return nil, err
	}
	// The names the file gives the packages in forbidden.
	local := map[string]string{}
	for _, imp := range f.Imports {
		p, err := strconv.Unquote(imp.Path.Value)
		if err != nil || forbidden[p] == nil {
			continue
		}
		name := p[strings.LastIndex(p, "/")+1:]
		if imp.Name != nil {
			name = imp.Name.Name
		}
		local[name] = p
	}
	var uses []string
	report := func(n ast.Node, what string) {
		uses = append(uses, fmt.Sprintf("%s: %s", fset.Position(n.Pos()), what))
	}
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.SelectorExpr:
			id, ok := n.X.(*ast.Ident)
			if !ok {
				return true
			}
			if p, ok := local[id.Name]; ok && forbidden[p][n.Sel.Name] {
				report(n, p+"."+n.Sel.Name)
			}
		case *ast.CallExpr:
			if id, ok := n.Fun.(*ast.Ident); ok && (id.Name == "print" || id.Name == "println") {
				report(n, id.Name)
			}
		}
		return true
	})
	return uses, nil
}

func set(names ...string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}
