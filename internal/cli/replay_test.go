package cli

import (
	"net/http"
	"net/http/httptest"
	"os"
	"sync"

	"github.com/rogpeppe/go-internal/testscript"
)

// replayServerCmd is the scripts' "replayserver VAR FILE": an HTTP server on
// loopback answering every request with FILE's content (JSON), its URL in $VAR.
// Each request's path and query are appended to $WORK/VAR.requests.
func replayServerCmd(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: replayserver VAR FILE")
	}
	body, err := os.ReadFile(ts.MkAbs(args[1]))
	ts.Check(err)
	log := ts.MkAbs(args[0] + ".requests")
	var mu sync.Mutex
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		if f, err := os.OpenFile(log, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644); err == nil {
			_, _ = f.WriteString(r.URL.RequestURI() + "\n")
			_ = f.Close()
		}
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	}))
	ts.Defer(srv.Close)
	ts.Setenv(args[0], srv.URL)
}
