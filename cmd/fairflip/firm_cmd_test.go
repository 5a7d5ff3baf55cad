package main

// The external firm (--firm-cmd) as a user meets it: SIGTERM while the
// firm's child holds its standard output (the real main, in a child
// process), --firm-timeout, and the messages and exit codes of a firm that
// fails or breaks the protocol. Deadlines are hang guards only.

import (
	"bufio"
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/fairflip/fairflip/internal/proctest"
)

// hangGuard: how long a test waits for what should happen at once before
// failing, instead of hanging the test run.
const hangGuard = 30 * time.Second

var firmGroups = []string{"--sensitive", "g", "--minority", "min", "--label", "y", "--positive", "1"}

// firmFiles writes a training and a test table into dir.
func firmFiles(t *testing.T, dir string) (train, test string) {
	return writeFile(t, dir, "train.csv", synthCSV(200, 1)), writeFile(t, dir, "test.csv", synthCSV(80, 2))
}

// runGuarded is runCLI with a hang guard.
func runGuarded(t *testing.T, args ...string) result {
	t.Helper()
	done := make(chan result, 1)
	go func() { done <- runCLI(t, "", args...) }()
	select {
	case r := <-done:
		return r
	case <-time.After(hangGuard):
		t.Fatalf("fairflip %v did not return within %v", args, hangGuard)
	}
	return result{}
}

// TestFirmCmdSIGTERM: SIGTERM while the firm's child (a sleep) holds the
// firm's standard output exits 130 at once, for eval and for a sweep with
// two firms running in parallel; no process of the firms' groups is left,
// no temporary file, no -o file. Before, fairflip killed only the firm's
// shell and then waited for the sleep to close the pipe: for 1000 s.
func TestFirmCmdSIGTERM(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name string
		args func(train, test, out string) []string
	}{
		{"eval", func(train, test, _ string) []string {
			return []string{"eval", "--train", train, "--test", test}
		}},
		{"sweep", func(train, _, out string) []string {
			return []string{"sweep", train, "--test-split", "0.3", "--methods", "rb-prob", "--alpha", "0.5", "--flips", "0,5", "--runs", "2", "--workers", "2", "-o", out}
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			tmp := t.TempDir()
			train, test := firmFiles(t, dir)
			ready := filepath.Join(dir, "ready")
			if err := syscall.Mkfifo(ready, 0o600); err != nil {
				t.Skipf("mkfifo: %v", err)
			}
			pidsFile := filepath.Join(dir, "pids")
			// Each firm notes its shell's and its child's pids, tells the
			// test it runs, and waits for the child, which holds its
			// standard output.
			firm := `sleep 1000 & echo $$ $! >> "$PIDS"; echo $$ > "$READY"; wait`
			args := append(c.args(train, test, filepath.Join(dir, "out.csv")), append(firmGroups, "--firm-cmd", firm)...)
			cmd := fairflipCmd(t, tmp, args...)
			cmd.Env = append(cmd.Env, "PIDS="+pidsFile, "READY="+ready)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			exited := make(chan error, 1)
			go func() { exited <- cmd.Wait() }()
			// The fifo is read to its end (kept open), so that no firm
			// writing to it gets SIGPIPE.
			lines := make(chan string, 8)
			go func() {
				f, err := os.Open(ready)
				if err != nil {
					t.Error(err)
					return
				}
				defer f.Close()
				sc := bufio.NewScanner(f)
				for sc.Scan() {
					lines <- sc.Text()
				}
			}()
			var firmPid int
			select {
			case l := <-lines:
				firmPid, _ = strconv.Atoi(l)
			case err := <-exited:
				t.Fatalf("fairflip exited before its firm ran: %v: %s", err, stderr.String())
			case <-time.After(hangGuard):
				cmd.Process.Kill()
				t.Fatal("the firm did not start")
			}
			// The firm leads a process group of its own, not fairflip's.
			g, err := proctest.Pgid(firmPid)
			if errors.Is(err, proctest.ErrNoProc) {
				cmd.Process.Kill()
				t.Skip("no /proc to check the firm's processes")
			}
			fg, ferr := proctest.Pgid(cmd.Process.Pid)
			if err != nil || ferr != nil || g != firmPid || g == fg {
				t.Errorf("the firm %d is in group %d (fairflip's: %d; %v %v), want its own", firmPid, g, fg, err, ferr)
			}
			if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
				t.Fatal(err)
			}
			select {
			case err := <-exited:
				if code := exitStatus(t, err); code != exitInterrupted {
					t.Fatalf("exit %d, want %d: %s", code, exitInterrupted, stderr.String())
				}
			case <-time.After(hangGuard):
				cmd.Process.Kill()
				t.Fatalf("fairflip did not exit within %v of SIGTERM: %s", hangGuard, stderr.String())
			}
			oneLine(t, stderr.String(), "fairflip: interrupted; no output was written")
			// Each firm wrote its shell's pid (its group's leader) and its child's.
			pids, err := proctest.ReadPids(pidsFile)
			if err != nil || len(pids) < 2 {
				t.Fatalf("the firms' pids: %v %v", pids, err)
			}
			left, err := proctest.WaitGone(hangGuard, pids...)
			if errors.Is(err, proctest.ErrNoProc) {
				t.Skip("no /proc to check the firm's processes")
			}
			if err != nil || len(left) > 0 {
				t.Errorf("processes of the firms still running: %v (%v)", left, err)
			}
			assertDir(t, dir, map[string][]byte{"train.csv": nil, "test.csv": nil, "ready": nil, "pids": nil})
			assertDir(t, tmp, nil)
		})
	}
}

// TestFirmCmdErrors: a firm that fails, breaks the protocol or outlives
// --firm-timeout gives exit 3 and one line naming the command; a bad
// --firm-timeout is a usage error. sweep -o writes no file.
func TestFirmCmdErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	train, test := firmFiles(t, dir)
	with := func(base []string, more ...string) []string { return append(append([]string{}, base...), more...) }
	eval := with([]string{"eval", "--train", train, "--test", test}, firmGroups...)
	out := filepath.Join(dir, "res.csv")
	sweepArgs := with([]string{"sweep", train, "--test-split", "0.3", "--methods", "rb-prob", "--alpha", "0.5", "--flips", "0,5", "--runs", "2", "-o", out}, firmGroups...)
	predict := `awk -F, 'NR>1{print ($1>50)?1:0}' "$2"`
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{with(eval, "--firm-cmd", `echo "ValueError: could not convert string to float: 'a'" >&2; exit 1`), exitData,
			`fairflip: --firm-cmd "echo \"ValueError: could not convert string to float: 'a'\" >&2; exit 1" failed (exit status 1); its standard error ends: ValueError: could not convert string to float: 'a'`},
		{with(eval, "--firm-cmd", `head -c 100000 /dev/zero | tr '\0' 1`), exitData,
			"line 1 of its output is 100000 bytes long, over the limit of 4096: the protocol wants one prediction per line (1/0, true/false, yes/no or a probability in [0, 1]), one line per test row"},
		{with(eval, "--firm-cmd", `echo 1; echo 0`), exitData, "it printed 2 of the 80 predictions wanted: want one line per test row, in order"},
		{with(eval, "--firm-cmd", predict+`; echo "accuracy 0.8"`), exitData, `it printed more than the 80 predictions wanted (one per test row): line 81 is "accuracy 0.8"`},
		{with(eval, "--firm-cmd", `echo label; `+predict), exitData, `line 1 of its output is "label": want 1/0, true/false, yes/no or a probability in [0, 1] (no header line`},
		{with(eval, "--firm-cmd", `echo nan; `+predict), exitData, `line 1 of its output is "nan": want`},
		{with(eval, "--firm-cmd", `echo started >&2; sleep 1000 & wait`, "--firm-timeout", "50ms"), exitData,
			`fairflip: --firm-cmd "echo started >&2; sleep 1000 & wait" did not finish a fit within --firm-timeout 50ms: it was stopped, with every process it started; its standard error ends: started; give it more time with --firm-timeout (0: no limit)`},
		{with(sweepArgs, "--firm-cmd", `sleep 1000 & wait`, "--firm-timeout", "50ms"), exitData, "did not finish a fit within --firm-timeout 50ms"},
		{with(sweepArgs, "--firm-cmd", `exit 7`), exitData, `fairflip: --firm-cmd "exit 7" failed (exit status 7)`},
		{with(eval, "--firm-cmd", predict, "--firm-timeout", "-1s"), exitUsage, "fairflip: --firm-timeout -1s: must be 0 (no limit) or a positive duration such as 10m"},
		{with(eval, "--firm-cmd", predict, "--firm-timeout", "10"), exitUsage, `--firm-timeout "10": want a duration such as 90s, 10m or 1h30m`},
	} {
		r := runGuarded(t, c.args...)
		if r.code != c.code {
			t.Errorf("%v: exit %d, want %d: %s", c.args, r.code, c.code, r.stderr)
			continue
		}
		oneLine(t, r.stderr, c.want)
		if r.stdout != "" {
			t.Errorf("%v: stdout %q", c.args, r.stdout)
		}
	}
	assertDir(t, dir, map[string][]byte{"train.csv": nil, "test.csv": nil})
	// The same firm, working: with no limit, and with the default.
	for _, timeout := range []string{"0", ""} {
		args := with(eval, "--firm-cmd", predict)
		if timeout != "" {
			args = append(args, "--firm-timeout", timeout)
		}
		if r := runGuarded(t, args...); r.code != 0 || !strings.Contains(r.stdout, "firm: external firm: "+predict) {
			t.Errorf("--firm-timeout %q: exit %d: %s%s", timeout, r.code, r.stdout, r.stderr)
		}
	}
	// --help tells the flag and its default.
	if h := runCLI(t, "", "eval", "--help").stdout; !strings.Contains(h, "--firm-timeout D") || !strings.Contains(h, "(default: 10m0s)") {
		t.Errorf("eval --help lacks --firm-timeout and its default:\n%s", h)
	}
}
