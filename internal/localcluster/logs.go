package localcluster

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// ContainerLogLines are the log lines of every container on the fake nodes,
// oldest first, as pods/log (kubectl logs) returns them. The last one holds a
// secret-looking value, for tests that check what reaches the user.
var ContainerLogLines = []string{
	"rudder fake container: starting",
	"rudder fake container: loading configuration",
	"rudder fake container: password=hunter2 (a log line, shown as kubectl logs shows it)",
	"rudder fake container: error: exiting with code 1",
}

// writeContainerLogs writes the fake containers' log (in the CRI log format
// kwok reads) and returns the kwok configuration that serves it for every
// container of every pod, to append to the stages.
func writeContainerLogs(dir string) ([]byte, error) {
	file := filepath.Join(dir, "container.log")
	var b strings.Builder
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i, line := range ContainerLogLines {
		fmt.Fprintf(&b, "%s stdout F %s\n", at.Add(time.Duration(i)*time.Second).Format(time.RFC3339Nano), line)
	}
	if err := os.WriteFile(file, []byte(b.String()), 0o644); err != nil {
		return nil, err
	}
	conf := "---\napiVersion: kwok.x-k8s.io/v1alpha1\nkind: ClusterLogs\nmetadata:\n  name: fake-container-logs\n" +
		"spec:\n  logs:\n  - logsFile: " + strconv.Quote(file) + "\n    previousLogsFile: " + strconv.Quote(file) + "\n"
	return []byte(conf), nil
}
