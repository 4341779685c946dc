// Command hostile writes the hostile inputs of bench/hostile.sh into a folder:
// bomb.tgz (nested archives of zeros), names.tgz (huge member names) and the
// charts of hostile.RenderCharts.
package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/rudderpm/rudder/internal/hostile"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: hostile DIR")
		os.Exit(2)
	}
	if err := write(os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, "hostile:", err)
		os.Exit(1)
	}
}

func write(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	files := map[string]func(*os.File) error{
		// The case: subcharts of subcharts, each holding 95 MB of zeros.
		"bomb.tgz":  func(f *os.File) error { return hostile.NestedBomb(f, 16, 95<<20) },
		"names.tgz": func(f *os.File) error { return hostile.NameBomb(f, 1000, 1000<<10) },
	}
	for name, write := range files {
		f, err := os.Create(filepath.Join(dir, name))
		if err != nil {
			return err
		}
		if err := write(f); err != nil {
			f.Close()
			return err
		}
		if err := f.Close(); err != nil {
			return err
		}
	}
	for _, c := range hostile.RenderCharts() {
		if _, err := c.Write(dir); err != nil {
			return err
		}
	}
	return nil
}
