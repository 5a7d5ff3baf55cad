package sweep

// The external firm (--firm-cmd) when things go wrong: protocol violations,
// a failing firm, a firm that never ends, a child that holds the firm's
// standard output, fits that run in parallel. Each test uses small shell
// firms. Deadlines here are hang guards only: no outcome depends on speed.

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/fairflip/fairflip/internal/fferr"
	"github.com/fairflip/fairflip/internal/proctest"
)

// hangGuard is how long a test waits for something that should happen at
// once before it fails (instead of hanging the test run).
const hangGuard = 30 * time.Second

func TestParsePredictionsErrors(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("0", MaxPredictionLine+1)
	for _, c := range []struct {
		out  string
		n    int
		want string // "" : accepted
	}{
		{"1\n0\r\n0.5\n1e-1\nTRUE\nYes\n", 6, ""},
		{"1\n0\n\n\n \n", 2, ""}, // trailing blank lines
		{"1\n0", 2, ""},          // no final newline
		{strings.Repeat(" ", MaxPredictionLine-1) + "1\n", 1, ""},
		{strings.Repeat(" ", MaxPredictionLine-1) + "1\r\n", 1, ""},
		{"1\n" + long + "\n1\n", 3, "line 2 of its output is 4097 bytes long, over the limit of 4096: the protocol wants one prediction per line (1/0, true/false, yes/no or a probability in [0, 1])"},
		{"1\n" + strings.Repeat("1", 1<<20), 2, "line 2 of its output is 1048576 bytes long, over the limit of 4096"},
		{"prediction\n1\n", 1, `line 1 of its output is "prediction": want 1/0, true/false, yes/no or a probability in [0, 1] (no header line: line 1 is the first test row's prediction)`},
		{"1\nNaN\n", 2, `line 2 of its output is "NaN": want 1/0, true/false, yes/no or a probability in [0, 1]`},
		{"1\n1.5\n", 2, `line 2 of its output is "1.5": want`},
		{"1\n-0.1\n", 2, `line 2 of its output is "-0.1": want`},
		{"1\n+Inf\n", 2, `line 2 of its output is "+Inf": want`},
		{"1\n\n1\n", 3, "line 2 of its output is empty: want"},
		{"1\n" + strings.Repeat("x", 100) + "\n", 2, `line 2 of its output is "` + strings.Repeat("x", 60) + `"...: want`},
		{"1\n", 2, "it printed 1 of the 2 predictions wanted: want one line per test row, in order"},
		{"", 2, "it printed no predictions, for 2 test rows"},
		{"\n\n", 2, "line 1 of its output is empty"},
		{"1\n0\ndone\n", 2, `it printed more than the 2 predictions wanted (one per test row): line 3 is "done"; print nothing else on standard output (use standard error)`},
	} {
		got, err := ParsePredictions(strings.NewReader(c.out), c.n)
		if c.want == "" {
			if err != nil || len(got) != c.n {
				t.Errorf("%.40q: %v, %v", c.out, got, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%.40q: error %v, want %q", c.out, err, c.want)
		}
	}
}

// firmData is a small table for the firm: its test rows are its training
// rows, so a firm that prints the training labels predicts them.
func firmData(t *testing.T) FirmData {
	d := load(t, "train.csv", synthTable(60, 1))
	cols := firmColumns(d, false)
	rows := make([]int, d.Rows)
	for i := range rows {
		rows[i] = i
	}
	return FirmData{TrainCols: cols, TestCols: cols, TrainRows: rows, TestRows: rows, LabelName: "y"}
}

// newFirm makes a CmdFirm in a fresh $TMPDIR, and checks at the end that
// Close left nothing there.
func newFirm(t *testing.T, cmd string, timeout time.Duration) *CmdFirm {
	t.Helper()
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	f, err := NewCmdFirm(cmd, timeout, firmData(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		f.Close()
		if left, _ := os.ReadDir(tmp); len(left) > 0 {
			t.Errorf("left in $TMPDIR: %v", left)
		}
	})
	return f
}

// fit runs one fit with a hang guard.
func fit(t *testing.T, ctx context.Context, f *CmdFirm, y []bool) ([]bool, error) {
	t.Helper()
	type res struct {
		pred []bool
		err  error
	}
	done := make(chan res, 1)
	go func() {
		p, _, err := f.Fit(ctx, y, nil, nil)
		done <- res{p, err}
	}()
	select {
	case r := <-done:
		return r.pred, r.err
	case <-time.After(hangGuard):
		t.Fatalf("the fit of %q did not return within %v", f.Cmd, hangGuard)
	}
	return nil, nil
}

func labels(n, seed int) []bool {
	y := make([]bool, n)
	for i := range y {
		y[i] = (i*7+seed)%3 == 0
	}
	return y
}

// pidsFrom reads the pids a firm wrote to a file.
func pidsFrom(t *testing.T, path string) []int {
	t.Helper()
	pids, err := proctest.ReadPids(path)
	if err != nil {
		t.Error(err) // not Fatal: called from other goroutines too
	}
	return pids
}

// assertGone fails if any of pids, or any process of the groups they lead,
// is still running (after the hang guard: a killed process takes an instant
// to go).
func assertGone(t *testing.T, pids ...int) {
	t.Helper()
	if len(pids) == 0 {
		t.Fatal("no pids to check")
	}
	left, err := proctest.WaitGone(hangGuard, pids...)
	if errors.Is(err, proctest.ErrNoProc) {
		t.Skip("no /proc to check the firm's processes")
	}
	if err != nil || len(left) > 0 {
		t.Errorf("processes of the firm still running: %v (%v)", left, err)
	}
}

// TestCmdFirmFailures: a firm that fails or breaks the protocol gives an
// ErrData (exit 3) error, on one line, naming the command, with the end of
// its standard error.
func TestCmdFirmFailures(t *testing.T) {
	n := len(firmData(t).TestRows)
	for _, c := range []struct{ cmd, want string }{
		{`echo one >&2; echo two >&2; echo three >&2; echo "no model here" >&2; exit 3`,
			`failed (exit status 3); its standard error ends: two | three | no model here`},
		{`kill -9 $$`, `failed (signal: killed)`},
		{`python3 -c 'raise ValueError("bad column")'`, `failed (exit status 1); its standard error ends: `},
		{`echo 1`, fmt.Sprintf("printed 1 of the %d predictions wanted", n)},
		// Over-long: 8 MB on one line, more than a pipe holds, then the
		// predictions: the firm is read to its end, and its exit is clean.
		{`head -c 8000000 /dev/zero | tr '\0' 1; echo; awk -F, 'NR>1{print $NF}' "$1"`,
			"line 1 of its output is 8000000 bytes long, over the limit of 4096: the protocol wants one prediction per line"},
		{`awk -F, 'NR>1{print $NF}' "$1"; echo "model saved" ; echo "warning: x" >&2`,
			fmt.Sprintf(`it printed more than the %d predictions wanted (one per test row): line %d is "model saved"; print nothing else on standard output (use standard error); its standard error ends: warning: x`, n, n+1)},
		{`echo y; awk -F, 'NR>2{print $NF}' "$1"`, `line 1 of its output is "y": want`},
		// A failure after a protocol error: the failure is what is reported.
		{`echo nonsense; echo "out of memory" >&2; exit 137`, `failed (exit status 137); its standard error ends: out of memory`},
	} {
		f := newFirm(t, c.cmd, time.Minute)
		_, err := fit(t, context.Background(), f, labels(n, 1))
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), fmt.Sprintf("--firm-cmd %q", c.cmd)) {
			t.Errorf("%s: %v\nwant %q", c.cmd, err, c.want)
			continue
		}
		if !errors.Is(err, fferr.ErrData) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: %v: want one line, of class ErrData (exit 3)", c.cmd, err)
		}
	}
}

// firmWithChild is a firm whose child (a sleep) holds its standard output
// and standard error; it writes both pids to $PIDS, then waits forever.
const firmWithChild = `sleep 1000 & echo $$ $! > "$PIDS"; wait`

// TestCmdFirmTimeout: a firm past --firm-timeout is stopped with every
// process it started (here, a child that holds its output), and the error
// names the command and the limit. The test's clock: the firm's timeout
// expires when the firm has written its pids to a fifo.
func TestCmdFirmTimeout(t *testing.T) {
	ready := filepath.Join(t.TempDir(), "ready")
	if err := syscall.Mkfifo(ready, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	t.Setenv("PIDS", ready)
	f := newFirm(t, `echo "training..." >&2; `+firmWithChild, 10*time.Minute)
	var pids []int
	f.after = func(d time.Duration) <-chan time.Time {
		if d != 10*time.Minute {
			t.Errorf("timeout %v, want 10m", d)
		}
		c := make(chan time.Time, 1)
		go func() {
			pids = pidsFrom(t, ready)
			c <- time.Now()
		}()
		return c
	}
	_, err := fit(t, context.Background(), f, labels(60, 1))
	want := fmt.Sprintf(`--firm-cmd %q did not finish a fit within --firm-timeout 10m0s: it was stopped, with every process it started; its standard error ends: training...; give it more time with --firm-timeout (0: no limit)`, f.Cmd)
	if err == nil || err.Error() != want || !errors.Is(err, fferr.ErrData) {
		t.Fatalf("%v\nwant %s", err, want)
	}
	assertGone(t, pids...)
}

// TestCmdFirmCancel: cancelling a fit (what SIGINT/SIGTERM do) while the
// firm's child holds its standard output returns context.Canceled, and
// kills the firm's whole process group.
func TestCmdFirmCancel(t *testing.T) {
	dir := t.TempDir()
	ready := filepath.Join(dir, "ready")
	if err := syscall.Mkfifo(ready, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	t.Setenv("PIDS", ready)
	f := newFirm(t, firmWithChild, 0) // no timeout
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		_, _, err := f.Fit(ctx, labels(60, 1), nil, nil)
		done <- err
	}()
	// Reading the fifo waits for the firm to write its pids: it is running.
	got := make(chan []int, 1)
	go func() { got <- pidsFrom(t, ready) }()
	var pids []int
	select {
	case pids = <-got:
	case err := <-done:
		t.Fatalf("the fit ended before the firm started: %v", err)
	case <-time.After(hangGuard):
		t.Fatal("the firm did not start")
	}
	if len(pids) != 2 {
		t.Fatalf("the firm wrote the pids %v", pids)
	}
	for _, pid := range pids {
		g, err := proctest.Pgid(pid)
		if errors.Is(err, proctest.ErrNoProc) {
			t.Skip("no /proc to check the firm's processes")
		}
		if err != nil || g != pids[0] {
			t.Errorf("process %d is in group %d (%v), not the firm's own group %d", pid, g, err, pids[0])
		}
	}
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("cancelled fit: %v", err)
		}
	case <-time.After(hangGuard):
		t.Fatal("the cancelled fit did not return: the firm's child holds its output")
	}
	assertGone(t, pids...)
}

// TestCmdFirmLeftovers: a firm that prints its predictions and exits,
// leaving a child that holds its standard output, succeeds at once; the
// child is killed, and a file it left in $TMPDIR is removed by Close.
func TestCmdFirmLeftovers(t *testing.T) {
	pids := filepath.Join(t.TempDir(), "pids")
	t.Setenv("PIDS", pids)
	f := newFirm(t, `echo scratch > "$TMPDIR/model.bin"; awk -F, 'NR>1{print $NF}' "$1"; sleep 1000 & echo $$ $! > "$PIDS"`, time.Minute)
	y := labels(60, 1)
	pred, err := fit(t, context.Background(), f, y)
	if err != nil || !reflect.DeepEqual(pred, y) {
		t.Fatalf("%v: %v, want %v", err, pred, y)
	}
	assertGone(t, pidsFrom(t, pids)...)
}

// TestCmdFirmHeldOutside: a process the firm started in a session of its
// own (out of reach of the group kill) holds its output after the firm has
// exited: the fit fails with a message saying so instead of waiting.
func TestCmdFirmHeldOutside(t *testing.T) {
	pids := filepath.Join(t.TempDir(), "pids")
	t.Setenv("PIDS", pids)
	f := newFirm(t, `setsid sh -c 'echo $$ > "$PIDS"; exec sleep 1000' & awk -F, 'NR>1{print $NF}' "$1"; i=0; while [ ! -s "$PIDS" ]; do i=$((i+1)); [ $i -lt 3000 ] || exit 9; sleep 0.01; done`, time.Minute)
	f.grace = 50 * time.Millisecond
	_, err := fit(t, context.Background(), f, labels(60, 1))
	escaped := pidsFrom(t, pids)
	for _, pid := range escaped {
		syscall.Kill(pid, syscall.SIGKILL)
	}
	want := "exited, but its standard output was still open 50ms later, held by a process it started outside its process group: its predictions may be incomplete"
	if err == nil || !strings.Contains(err.Error(), want) || !errors.Is(err, fferr.ErrData) {
		t.Fatalf("%v\nwant %q", err, want)
	}
}

// TestCmdFirmParallelFits: two fits of one firm at once (a sweep's chains
// share their run's firm) each get their own training file. Each firm
// waits until both have started, then prints the labels it was given; before,
// both read one train.csv, the last one written.
func TestCmdFirmParallelFits(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("MEET", dir)
	// The loop is a rendezvous, bounded by the hang guard: a firm left
	// alone fails.
	f := newFirm(t, `touch "$MEET/$$"; i=0; while [ "$(ls "$MEET" | wc -l)" -lt 2 ]; do i=$((i+1)); [ $i -lt 3000 ] || exit 9; sleep 0.01; done; awk -F, 'NR>1{print $NF}' "$1"`, time.Minute)
	ys := [][]bool{labels(60, 1), labels(60, 2)}
	if reflect.DeepEqual(ys[0], ys[1]) {
		t.Fatal("the two fits must have different labels")
	}
	type res struct {
		k    int
		pred []bool
		err  error
	}
	done := make(chan res, 2)
	for k, y := range ys {
		go func() {
			p, _, err := f.Fit(context.Background(), y, nil, nil)
			done <- res{k, p, err}
		}()
	}
	for range ys {
		select {
		case r := <-done:
			if r.err != nil || !reflect.DeepEqual(r.pred, ys[r.k]) {
				t.Errorf("fit %d: %v: got the labels %v, want %v", r.k, r.err, r.pred, ys[r.k])
			}
		case <-time.After(hangGuard):
			t.Fatal("the fits did not return")
		}
	}
}

func TestCheckFirmTimeout(t *testing.T) {
	t.Parallel()
	if err := CheckFirmTimeout(0); err != nil {
		t.Error(err)
	}
	if err := CheckFirmTimeout(-time.Second); err == nil || !errors.Is(err, fferr.ErrUsage) {
		t.Errorf("-1s: %v", err)
	}
	if _, err := NewCmdFirm("true", -time.Second, firmData(t)); err == nil || !errors.Is(err, fferr.ErrUsage) {
		t.Errorf("NewCmdFirm with -1s: %v", err)
	}
}
