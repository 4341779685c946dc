package server

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rudderpm/rudder/internal/chart"
	"github.com/rudderpm/rudder/internal/repo"
)

// serveEnv makes the test binary a repository server on the folder it names, for
// the tests that kill the server.
const serveEnv = "RUDDER_SERVER_TEST_STORAGE"

func TestMain(m *testing.M) {
	if dir := os.Getenv(serveEnv); dir != "" {
		os.Exit(serveForTest(dir))
	}
	os.Exit(m.Run())
}

// serveForTest serves dir on a free loopback port and prints the address.
func serveForTest(dir string) int {
	s, err := New(context.Background(), Options{StorageDir: dir, AllowOverwrite: true, AllowAnonymousWrites: true, MaxUploadSize: 64 << 20})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Println(ln.Addr())
	_ = http.Serve(ln, s)
	return 1
}

// startServerProcess runs the test binary as a server on dir.
func startServerProcess(t *testing.T, dir string) (*exec.Cmd, string) {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(self)
	cmd.Env = append(os.Environ(), serveEnv+"="+dir)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	addr, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		t.Fatalf("server did not start: %v", err)
	}
	return cmd, "http://" + strings.TrimSpace(addr)
}

// TestKilledDuringUploads kills the server with SIGKILL while clients upload
// charts (new versions and forced replacements), at a different moment each
// round. Whenever it dies, index.yaml must parse and no archive may be partial;
// once a server starts again on the folder, the index must match the archives
// exactly and no temporary file may be left.
func TestKilledDuringUploads(t *testing.T) {
	if testing.Short() {
		t.Skip("starts and kills many server processes")
	}
	dir := t.TempDir()
	padding := make([][]byte, 4) // archives big enough for a kill to land mid-write
	for i := range padding {
		padding[i] = archive(t, "pad", "1.0.0", 256<<10)
	}
	var next atomic.Int64
	const rounds = 10
	uploaded := 0
	for round := range rounds {
		cmd, url := startServerProcess(t, dir)
		var wg sync.WaitGroup
		var ok atomic.Int64
		for w := range 3 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				client := &http.Client{Timeout: 30 * time.Second}
				for {
					n := next.Add(1)
					version, query := fmt.Sprintf("1.0.%d", n), ""
					if n%3 == 0 {
						version, query = fmt.Sprintf("0.0.%d", n%4), "?force"
					}
					c := &chart.Chart{Metadata: &chart.Metadata{APIVersion: "v2", Name: fmt.Sprintf("c%d", w), Version: version},
						Files: []*chart.File{{Name: "pad.tgz", Data: padding[n%4]}}}
					var b bytes.Buffer
					if err := chart.WriteArchive(&b, c, chart.ArchiveOptions{}); err != nil {
						t.Error(err)
						return
					}
					resp, err := client.Post(url+"/api/charts"+query, "application/gzip", &b)
					if err != nil {
						return // the server is gone
					}
					resp.Body.Close()
					if resp.StatusCode == http.StatusCreated {
						ok.Add(1)
					}
				}
			}()
		}
		// Where the kill lands varies with the round; what is checked does not
		// depend on it.
		time.Sleep(time.Duration(20+round*37) * time.Millisecond)
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		wg.Wait()
		uploaded += int(ok.Load())

		// Right after the kill, before any repair.
		if _, _, err := repo.LoadIndexFile(filepath.Join(dir, "index.yaml")); err != nil {
			t.Fatalf("round %d: index.yaml after the kill: %v", round, err)
		}
		archives, _ := filepath.Glob(filepath.Join(dir, "*.tgz"))
		for _, a := range archives {
			if _, err := chart.LoadFile(a); err != nil {
				t.Fatalf("round %d: partial archive %s: %v", round, filepath.Base(a), err)
			}
		}
		// After a restart.
		restarted, err := New(context.Background(), Options{StorageDir: dir})
		if err != nil {
			t.Fatalf("round %d: restart: %v", round, err)
		}
		restarted.Close()
		assertIndexMatchesFolder(t, dir)
		assertNoStrayFiles(t, dir)
		if t.Failed() {
			t.Fatalf("round %d failed", round)
		}
	}
	if uploaded == 0 {
		t.Fatal("no upload succeeded in any round: the kills checked nothing")
	}
	t.Logf("%d uploads accepted over %d kills", uploaded, rounds)
}
