package hostile

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// NestedBomb writes a chart archive holding a subchart archive holding a subchart
// archive ... depth levels down, each chart with a file of size zero bytes. Each
// archive alone may be within a size limit that all of them together exceed.
func NestedBomb(w io.Writer, depth int, size int64) error {
	var inner []byte
	for level := depth; level >= 0; level-- {
		name := fmt.Sprintf("c%d", level)
		var buf bytes.Buffer
		err := writeTgz(&buf, func(tw *tar.Writer) error {
			if err := add(tw, name+"/Chart.yaml", chartYAML(name)); err != nil {
				return err
			}
			if err := addReader(tw, name+"/zeros", io.LimitReader(zeros{}, size), size); err != nil {
				return err
			}
			if inner != nil {
				return add(tw, fmt.Sprintf("%s/charts/c%d-1.0.0.tgz", name, level+1), string(inner))
			}
			return nil
		})
		if err != nil {
			return err
		}
		inner = buf.Bytes()
	}
	_, err := w.Write(inner)
	return err
}

// NameBomb writes a chart archive with count empty members whose names are length
// bytes long (at most about 1 MiB, the most a tar header may hold).
func NameBomb(w io.Writer, count int, length int) error {
	long := strings.Repeat("n", length)
	return writeTgz(w, func(tw *tar.Writer) error {
		if err := add(tw, "c/Chart.yaml", chartYAML("c")); err != nil {
			return err
		}
		for i := range count {
			if err := add(tw, fmt.Sprintf("c/%d-%s", i, long), ""); err != nil {
				return err
			}
		}
		return nil
	})
}

func chartYAML(name string) string {
	return "apiVersion: v2\nname: " + name + "\nversion: 1.0.0\n"
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) { clear(p); return len(p), nil }

func writeTgz(w io.Writer, members func(*tar.Writer) error) error {
	zw := gzip.NewWriter(w)
	tw := tar.NewWriter(zw)
	if err := members(tw); err != nil {
		return err
	}
	if err := tw.Close(); err != nil {
		return err
	}
	return zw.Close()
}

func add(tw *tar.Writer, name, data string) error {
	return addReader(tw, name, strings.NewReader(data), int64(len(data)))
}

func addReader(tw *tar.Writer, name string, r io.Reader, size int64) error {
	hdr := &tar.Header{Name: name, Typeflag: tar.TypeReg, Mode: 0o644, Size: size, Format: tar.FormatPAX}
	if err := tw.WriteHeader(hdr); err != nil {
		return fmt.Errorf("%.60s: %w", name, err)
	}
	_, err := io.Copy(tw, r)
	return err
}

// ChartNamed writes a chart archive whose Chart.yaml has this name and version,
// taken as given, and a description of description bytes: names a server cannot
// store as files, names whose archive file names collide, metadata that would
// swell a repository index.
func ChartNamed(w io.Writer, name, version string, description int) error {
	meta := "apiVersion: v2\nname: " + strconv.Quote(name) + "\nversion: " + strconv.Quote(version) + "\n"
	if description > 0 {
		meta += "description: " + strings.Repeat("a", description) + "\n"
	}
	return writeTgz(w, func(tw *tar.Writer) error { return add(tw, "chart/Chart.yaml", meta) })
}
