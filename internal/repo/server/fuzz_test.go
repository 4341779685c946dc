package server

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rudderpm/rudder/internal/repo"
)

// FuzzUpload posts any body, as an archive or as a multipart form, to the upload
// handler: the answer is a success or a refusal (never a 500 or a panic), the
// index stays readable, every stored file lies directly in the storage folder and
// is one the index names, and no answer names the folder.
func FuzzUpload(f *testing.F) {
	f.Add(tgz(f, map[string]string{"x/Chart.yaml": "apiVersion: v2\nname: x\nversion: 1.0.0\n"}), false, false)
	f.Add(tgz(f, map[string]string{"x/Chart.yaml": "apiVersion: v2\nname: ..x\nversion: 1.0.0\n"}), true, true)
	f.Add(tgz(f, map[string]string{"a/Chart.yaml": "apiVersion: v2\nname: a\nversion: 1-2.0.0\ndescription: &a [*a]\n"}), false, false)
	f.Add([]byte("--b\r\nContent-Disposition: form-data; name=\"chart\"\r\n\r\nxx\r\n--b--\r\n"), true, false)
	f.Fuzz(func(t *testing.T, body []byte, multipart, force bool) {
		dir := t.TempDir()
		s, err := New(context.Background(), Options{StorageDir: dir, AllowAnonymousWrites: true, MaxUploadSize: 1 << 20,
			ReportError: func(err error) { t.Errorf("internal error reported: %v", err) }})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		for range 2 { // the second upload meets the first's files
			target := "/api/charts"
			if force {
				target += "?force"
			}
			req := httptest.NewRequest(http.MethodPost, target, bytes.NewReader(body))
			if multipart {
				req.Header.Set("Content-Type", "multipart/form-data; boundary=b")
			}
			rec := httptest.NewRecorder()
			s.ServeHTTP(rec, req)
			if rec.Code >= 500 {
				t.Fatalf("answer %d: %s", rec.Code, rec.Body)
			}
			if strings.Contains(rec.Body.String(), dir) {
				t.Fatalf("the answer names the storage folder: %s", rec.Body)
			}
		}
		idx, _, err := repo.ParseIndex(s.Index())
		if err != nil {
			t.Fatalf("index unreadable after uploads: %v", err)
		}
		named := map[string]bool{}
		for _, versions := range idx.Entries {
			for _, v := range versions {
				for _, u := range v.URLs {
					named[filepath.Base(u)] = true
				}
			}
		}
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			name := e.Name()
			if name == "index.yaml" || name == ".lock" || strings.HasSuffix(name, ".prov") {
				continue
			}
			if e.IsDir() || !named[name] {
				t.Fatalf("stored %q, which the index does not name", name)
			}
		}
	})
}
