package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// waitFor polls cond until it holds; the deadline is a guard against a
// hang, not a measure of speed.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestKilledRunLeavesNothingStale: a flip killed with SIGKILL while it
// copies standard input leaves nothing in TMPDIR (the copy has no name),
// and its hidden partial output beside -o is removed by the next run that
// writes that output.
func TestKilledRunLeavesNothingStale(t *testing.T) {
	t.Parallel()
	dir, tmp := t.TempDir(), t.TempDir()
	out := filepath.Join(dir, "out.csv")
	cmd := fairflipCmd(t, tmp, append([]string{"flip", "-", "-o", out, "-q"}, flipArgs...)...)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	table := bigCSV(3000)
	if _, err := stdin.Write([]byte(table[:len(table)/2])); err != nil {
		t.Fatal(err)
	}
	// The copy of standard input exists (an open file in TMPDIR, deleted).
	fdDir := fmt.Sprintf("/proc/%d/fd", cmd.Process.Pid)
	waitFor(t, "the copy of standard input", func() bool {
		fds, _ := os.ReadDir(fdDir)
		for _, fd := range fds {
			if l, err := os.Readlink(filepath.Join(fdDir, fd.Name())); err == nil && strings.HasPrefix(l, tmp+"/") {
				return true
			}
		}
		return false
	})
	hidden := func() []string {
		m, _ := filepath.Glob(filepath.Join(dir, ".out.csv.fairflip-*"))
		return m
	}
	if len(hidden()) != 1 {
		t.Fatalf("hidden output files: %v", hidden())
	}
	if entries, _ := os.ReadDir(tmp); len(entries) != 0 {
		t.Fatalf("TMPDIR holds %v while the run is alive", entries)
	}
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	if entries, _ := os.ReadDir(tmp); len(entries) != 0 {
		t.Fatalf("TMPDIR holds %v after SIGKILL", entries)
	}
	stale := hidden()
	if len(stale) != 1 {
		t.Fatalf("after SIGKILL, hidden files %v; want the partial output", stale)
	}
	// The next run that writes out.csv removes it, and writes out.csv.
	in := writeFile(t, dir, "in.csv", table)
	if r := runCLI(t, "", append([]string{"flip", in, "-o", out, "-q"}, flipArgs...)...); r.code != 0 {
		t.Fatal(r.stderr)
	}
	if h := hidden(); len(h) != 0 {
		t.Fatalf("stale files left: %v", h)
	}
	if _, err := os.Stat(out); err != nil {
		t.Fatal(err)
	}
}

// TestConcurrentRunsCommitWhole: runs that write the same -o and --summary
// at the same moment leave the table and the summary of one run, never a
// table of one and the summary of another. Each run flips a different
// number of rows, which both files record.
func TestConcurrentRunsCommitWhole(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	in := writeFile(t, dir, "in.csv", bigCSV(20000))
	out, sum := filepath.Join(dir, "out.csv"), filepath.Join(dir, "sum.json")
	base := []string{"--sensitive", "g", "--minority", "min", "--label", "y", "--positive", "1", "--method", "random", "-q"}
	for round := 0; round < 8; round++ {
		var cmds []*exec.Cmd
		for k := 1; k <= 4; k++ {
			args := append([]string{"flip", in, "-o", out, "--summary", sum, "--flips", fmt.Sprint(10 * k)}, base...)
			c := fairflipCmd(t, t.TempDir(), args...)
			var errb bytes.Buffer
			c.Stderr = &errb
			if err := c.Start(); err != nil {
				t.Fatal(err)
			}
			cmds = append(cmds, c)
		}
		for _, c := range cmds {
			if code := exitStatus(t, c.Wait()); code != 0 {
				t.Fatalf("exit %d: %s", code, c.Stderr)
			}
		}
		var s struct {
			Flips int `json:"flips"`
		}
		data, err := os.ReadFile(sum)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(data, &s); err != nil {
			t.Fatal(err)
		}
		table, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		if n := strings.Count(string(table), "fairflip/1 "); n != s.Flips {
			t.Fatalf("round %d: the table has %d flips, the summary says %d: files of two runs", round, n, s.Flips)
		}
		if left, _ := filepath.Glob(filepath.Join(dir, ".*")); len(left) != 0 {
			t.Fatalf("hidden files left: %v", left)
		}
	}
}

// TestMissingTmpdir: a TMPDIR that does not exist is named in the error
// (exit 4) when standard input must be copied, and nothing is written.
func TestMissingTmpdir(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	missing := filepath.Join(dir, "no-such-folder")
	cmd := fairflipCmd(t, missing, append([]string{"flip", "-", "-o", filepath.Join(dir, "out.csv")}, flipArgs...)...)
	cmd.Stdin = strings.NewReader(small)
	var errb bytes.Buffer
	cmd.Stderr = &errb
	if code := exitStatus(t, cmd.Run()); code != exitIO {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	oneLine(t, errb.String(), "fairflip: cannot make a copy of standard input: TMPDIR "+missing+" does not exist (set TMPDIR to an existing folder)")
	assertDir(t, dir, map[string][]byte{})
}
