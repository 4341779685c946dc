// Command measure runs a command several times and reports its wall time and
// peak resident memory (from the kernel's accounting of the child, so the
// measuring process is not counted), for the bench/ scripts on machines without
// GNU time.
//
//	measure -n 5 -- rudder search repo nginx
//
// It prints one line: "<median wall ms> <min wall ms> <max peak RSS MiB>", and
// fails if any run fails. The command's output is discarded unless -v.
//
// With -cpu it prints "<median wall ms> <median CPU ms> <median peak RSS MiB>"
// instead, the CPU time being user plus system time from the kernel's rusage of
// the child (what GNU time reports, at microsecond rather than 10 ms precision).
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"syscall"
	"time"
)

func main() {
	runs := flag.Int("n", 5, "number of runs")
	verbose := flag.Bool("v", false, "show the command's output")
	cpu := flag.Bool("cpu", false, "print median wall, median CPU and median peak RSS")
	flag.Parse()
	if flag.NArg() == 0 || *runs < 1 {
		fmt.Fprintln(os.Stderr, "usage: measure [-n runs] [-v] -- command [args...]")
		os.Exit(2)
	}
	var walls, cpus []time.Duration
	var peak int64
	var peaks []int64
	for range *runs {
		cmd := exec.Command(flag.Arg(0), flag.Args()[1:]...)
		cmd.Stdin = nil
		if *verbose {
			cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
		}
		start := time.Now()
		out, err := runDiscarding(cmd, *verbose)
		wall := time.Since(start)
		if err != nil {
			fmt.Fprintf(os.Stderr, "measure: %v: %v\n%s", flag.Args(), err, out)
			os.Exit(1)
		}
		walls = append(walls, wall)
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
			peak = max(peak, int64(ru.Maxrss)) // KiB on Linux
			peaks = append(peaks, int64(ru.Maxrss))
		}
		cpus = append(cpus, cmd.ProcessState.UserTime()+cmd.ProcessState.SystemTime())
	}
	slices.Sort(walls)
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	if *cpu {
		slices.Sort(cpus)
		slices.Sort(peaks)
		rss := 0.0
		if len(peaks) > 0 {
			rss = float64(peaks[len(peaks)/2]) / 1024
		}
		fmt.Printf("%.1f %.1f %.1f\n", ms(walls[len(walls)/2]), ms(cpus[len(cpus)/2]), rss)
		return
	}
	fmt.Printf("%.1f %.1f %.1f\n", ms(walls[len(walls)/2]), ms(walls[0]), float64(peak)/1024)
}

// runDiscarding runs cmd, keeping its stderr only to report a failure.
func runDiscarding(cmd *exec.Cmd, verbose bool) ([]byte, error) {
	if verbose {
		return nil, cmd.Run()
	}
	var errOut limitedBuffer
	cmd.Stderr = &errOut
	err := cmd.Run()
	return errOut.b, err
}

// limitedBuffer keeps the first 64 KiB written to it.
type limitedBuffer struct{ b []byte }

func (l *limitedBuffer) Write(p []byte) (int, error) {
	if room := 64<<10 - len(l.b); room > 0 {
		l.b = append(l.b, p[:min(room, len(p))]...)
	}
	return len(p), nil
}
