package main

// Faults: every failure leaves no partial -o file, an existing output file
// exactly as it was, no temporary file, and a documented exit code with a
// message naming the output (docs/RELIABILITY.md, "Faults").
//
// Some tests run the real main() in a child process (signals, SIGPIPE, a
// closed or full standard output): the test binary re-executes itself with
// FAIRFLIP_TEST_AS_MAIN=1, which makes it fairflip. Nothing waits on the
// clock: the children are synchronised through pipes and fifos.

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
)

func TestMain(m *testing.M) {
	if os.Getenv("FAIRFLIP_TEST_AS_MAIN") == "1" {
		os.Args[0] = "fairflip"
		main()
		panic("main returned")
	}
	os.Exit(m.Run())
}

// fairflipCmd returns a command that runs fairflip's main (this test binary,
// re-executed) with args, and TMPDIR set to tmp.
func fairflipCmd(t *testing.T, tmp string, args ...string) *exec.Cmd {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, args...)
	cmd.Env = append(os.Environ(), "FAIRFLIP_TEST_AS_MAIN=1", "TMPDIR="+tmp)
	return cmd
}

// exitStatus returns the exit code of a finished command; a death by signal
// fails the test.
func exitStatus(t *testing.T, err error) int {
	t.Helper()
	if err == nil {
		return 0
	}
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		t.Fatalf("running fairflip: %v", err)
	}
	if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		t.Fatalf("fairflip was killed by %v instead of exiting", ws.Signal())
	}
	return ee.ExitCode()
}

// bigCSV is a table of n rows for the flip arguments of flipArgs.
func bigCSV(n int) string {
	var b strings.Builder
	b.WriteString("id,x,g,y\n")
	for i := 0; i < n; i++ {
		g := "maj"
		if i%3 == 0 {
			g = "min"
		}
		fmt.Fprintf(&b, "%d,%d.%03d,%s,%d\n", i, i%97, (i*7)%1000, g, (i/3)%2)
	}
	return b.String()
}

var flipArgs = []string{"--sensitive", "g", "--minority", "min", "--label", "y", "--positive", "1", "--method", "random", "--flips", "10"}

// failAfter accepts n bytes, then fails every write with err.
type failAfter struct {
	n     int
	err   error
	wrote int
}

func (f *failAfter) Write(p []byte) (int, error) {
	if f.wrote+len(p) <= f.n {
		f.wrote += len(p)
		return len(p), nil
	}
	k := f.n - f.wrote
	f.wrote = f.n
	return k, f.err
}

// runTo runs fairflip in-process with stdout w.
func runTo(t *testing.T, w io.Writer, stdin string, args ...string) (int, string) {
	t.Helper()
	return runToHooked(t, w, nil, stdin, args...)
}

// runToHooked is runTo with the tests' hooks h.
func runToHooked(t *testing.T, w io.Writer, h *hooks, stdin string, args ...string) (int, string) {
	t.Helper()
	var errb bytes.Buffer
	code := env{stdin: strings.NewReader(stdin), stdout: w, stderr: &errb, hooks: h}.runLocked(context.Background(), append([]string{"fairflip"}, args...))
	return code, errb.String()
}

// assertDir fails unless dir holds exactly the files named in want, with
// their contents (nil: any content): no temporary file, no partial output.
func assertDir(t *testing.T, dir string, want map[string][]byte) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.Name())
	}
	var names []string
	for n := range want {
		names = append(names, n)
	}
	sort.Strings(names)
	if strings.Join(got, " ") != strings.Join(names, " ") {
		t.Fatalf("%s holds %v, want %v", dir, got, names)
	}
	for n, content := range want {
		if content == nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, n))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(b, content) {
			t.Fatalf("%s changed: %d bytes, was %d", n, len(b), len(content))
		}
	}
}

func oneLine(t *testing.T, stderr, want string) {
	t.Helper()
	if !strings.Contains(stderr, want) {
		t.Fatalf("stderr %q lacks %q", stderr, want)
	}
	if strings.Count(strings.TrimRight(stderr, "\n"), "\n") != 0 {
		t.Fatalf("the message spans several lines: %q", stderr)
	}
}

// TestStdoutWriteErrors: standard output failing after 0, 1, ... bytes
// (a full disk, an I/O error) gives exit 4 and one line naming standard
// output, for every command that writes to it; a closed pipe (EPIPE) gives
// exit 141 and nothing on stderr.
func TestStdoutWriteErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	big := writeFile(t, dir, "big.csv", bigCSV(150000)) // 3.5 MB: several 1 MB buffer flushes
	flipped := filepath.Join(dir, "flipped.csv")
	if r := runCLI(t, "", append([]string{"flip", big, "-o", flipped, "-q"}, flipArgs...)...); r.code != 0 {
		t.Fatal(r.stderr)
	}
	synth := writeFile(t, dir, "synth.csv", synthCSV(300, 1))
	sim := []string{"--sensitive", "g", "--minority", "min", "--label", "y", "--positive", "1", "-q"}
	// sweep's grid reaches the whole pool (1000 flips of 60): no notice of a grid
	// that stops early joins the error on stderr.
	commands := map[string][]string{
		"flip":              append([]string{"flip", big, "-q"}, flipArgs...),
		"flip to parquet":   append([]string{"flip", big, "-q", "--output-format", "parquet"}, flipArgs...),
		"flip from stdin":   append([]string{"flip", "-", "-q"}, flipArgs...),
		"undo":              {"undo", flipped, "-q"},
		"eval":              append([]string{"eval", "--train", synth, "--test", synth}, sim...),
		"eval --json":       append([]string{"eval", "--train", synth, "--test", synth, "--json"}, sim...),
		"sweep":             append([]string{"sweep", synth, "--test", synth, "--methods", "random", "--alpha", "1", "--flips", "0,1000", "--runs", "1"}, sim...),
		"flip --help":       {"flip", "--help"},
		"--version":         {"--version"},
		"flip with summary": append([]string{"flip", big, "-q", "--summary", filepath.Join(dir, "sum.json")}, flipArgs...),
	}
	for name, args := range commands {
		t.Run(name, func(t *testing.T) {
			stdin := ""
			if len(args) > 1 && args[1] == "-" {
				b, _ := os.ReadFile(big)
				stdin = string(b)
			}
			var full bytes.Buffer
			if code, stderr := runTo(t, &full, stdin, args...); code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			size := full.Len()
			for _, n := range []int{0, 1, size / 2, size - 1} {
				code, stderr := runTo(t, &failAfter{n: n, err: syscall.ENOSPC}, stdin, args...)
				if code != exitIO {
					t.Fatalf("failing after %d of %d bytes: exit %d, want %d; stderr %q", n, size, code, exitIO, stderr)
				}
				oneLine(t, stderr, "fairflip: writing standard output: no space left on device")
				code, stderr = runTo(t, &failAfter{n: n, err: syscall.EPIPE}, stdin, args...)
				if code != exitClosedPipe || stderr != "" {
					t.Fatalf("closed after %d of %d bytes: exit %d, want %d; stderr %q", n, size, code, exitClosedPipe, stderr)
				}
			}
		})
	}
}

// TestFileWriteErrors: a write to the temporary file of -o (or --summary,
// or one of sweep's three files) failing after 0, 1, ... bytes gives exit
// 4 and a message naming the output; the previous files are left as they
// were, and no temporary file is left.
func TestFileWriteErrors(t *testing.T) {
	t.Parallel()
	src := t.TempDir()
	big := writeFile(t, src, "big.csv", bigCSV(100000))
	flipped := filepath.Join(src, "flipped.csv")
	if r := runCLI(t, "", append([]string{"flip", big, "-o", flipped, "-q"}, flipArgs...)...); r.code != 0 {
		t.Fatal(r.stderr)
	}
	synth := writeFile(t, src, "synth.csv", synthCSV(300, 1))
	sim := []string{"--sensitive", "g", "--minority", "min", "--label", "y", "--positive", "1", "-q"}
	cases := []struct {
		name  string
		args  func(dir string) []string
		files []string // existing outputs
		fail  string   // the output that fails
	}{
		{"flip -o", func(d string) []string {
			return append([]string{"flip", big, "-o", filepath.Join(d, "out.csv"), "-q"}, flipArgs...)
		}, []string{"out.csv"}, "out.csv"},
		{"flip -o parquet", func(d string) []string {
			return append([]string{"flip", big, "-o", filepath.Join(d, "out.parquet"), "--output-format", "parquet", "-q"}, flipArgs...)
		}, []string{"out.parquet"}, "out.parquet"},
		{"flip --summary", func(d string) []string {
			return append([]string{"flip", big, "-o", filepath.Join(d, "out.csv"), "--summary", filepath.Join(d, "s.json"), "-q"}, flipArgs...)
		}, []string{"out.csv", "s.json"}, "s.json"},
		{"flip -o with --summary", func(d string) []string {
			return append([]string{"flip", big, "-o", filepath.Join(d, "out.csv"), "--summary", filepath.Join(d, "s.json"), "-q"}, flipArgs...)
		}, []string{"out.csv", "s.json"}, "out.csv"},
		{"undo -o", func(d string) []string { return []string{"undo", flipped, "-o", filepath.Join(d, "out.csv"), "-q"} }, []string{"out.csv"}, "out.csv"},
		{"sweep -o, second file", func(d string) []string {
			return append([]string{"sweep", synth, "--test", synth, "--methods", "random", "--alpha", "1", "--flips", "0,1000", "--runs", "1", "-o", filepath.Join(d, "res.csv")}, sim...)
		}, []string{"res.csv", "res.summary.csv", "res.summary.json"}, "res.summary.csv"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			before := map[string][]byte{}
			for _, f := range c.files {
				before[f] = []byte("previous " + f + "\n")
				writeFile(t, dir, f, string(before[f]))
			}
			failing := filepath.Join(dir, c.fail)
			// The size of the failing output when it is written in full.
			size := 0
			count := &hooks{outputWriter: func(name string, w io.Writer) io.Writer {
				if name != failing {
					return w
				}
				return &countWriter{w: w, n: &size}
			}}
			if code, stderr := runToHooked(t, io.Discard, count, "", c.args(dir)...); code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			if size == 0 {
				t.Fatal("the hook saw nothing written")
			}
			for _, f := range c.files {
				writeFile(t, dir, f, string(before[f]))
			}
			for _, n := range []int{0, 1, size / 2, size - 1} {
				fail := &hooks{outputWriter: func(name string, w io.Writer) io.Writer {
					if name != failing {
						return w
					}
					return io.MultiWriter(&failAfter{n: n, err: syscall.ENOSPC}, w)
				}}
				var stdout bytes.Buffer
				code, stderr := runToHooked(t, &stdout, fail, "", c.args(dir)...)
				if code != exitIO {
					t.Fatalf("failing after %d of %d bytes: exit %d, want %d; stderr %q", n, size, code, exitIO, stderr)
				}
				oneLine(t, stderr, "fairflip: writing "+failing+": no space left on device")
				if stdout.Len() != 0 {
					t.Fatalf("stdout: %q", stdout.String())
				}
				assertDir(t, dir, before)
			}
		})
	}
}

type countWriter struct {
	w io.Writer
	n *int
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	*c.n += n
	return n, err
}

// TestDevices: -o naming a device is written in place (nothing can be
// renamed over /dev/null); /dev/full gives exit 4 and a message, as -o, as
// --summary (then nothing else is written) and as standard output.
func TestDevices(t *testing.T) {
	t.Parallel()
	for _, dev := range []string{"/dev/null", "/dev/full"} {
		if st, err := os.Stat(dev); err != nil || st.Mode()&os.ModeCharDevice == 0 {
			t.Skipf("no %s here", dev)
		}
	}
	dir := t.TempDir()
	in := writeFile(t, dir, "in.csv", bigCSV(1000))
	r := runCLI(t, "", append([]string{"flip", in, "-o", "/dev/null", "-q"}, flipArgs...)...)
	if r.code != 0 {
		t.Fatalf("-o /dev/null: exit %d: %s", r.code, r.stderr)
	}
	if st, err := os.Stat("/dev/null"); err != nil || st.Mode()&os.ModeCharDevice == 0 {
		t.Fatalf("/dev/null is no longer a device: %v", err)
	}
	r = runCLI(t, "", append([]string{"flip", in, "-o", "/dev/full", "-q"}, flipArgs...)...)
	if r.code != exitIO {
		t.Fatalf("-o /dev/full: exit %d: %s", r.code, r.stderr)
	}
	oneLine(t, r.stderr, "fairflip: writing /dev/full: no space left on device")
	r = runCLI(t, "", append([]string{"flip", in, "-q", "--summary", "/dev/full"}, flipArgs...)...)
	if r.code != exitIO || r.stdout != "" {
		t.Fatalf("--summary /dev/full: exit %d, stdout %d bytes: %s", r.code, len(r.stdout), r.stderr)
	}
	oneLine(t, r.stderr, "fairflip: writing /dev/full: no space left on device")
	assertDir(t, dir, map[string][]byte{"in.csv": nil})

	// The binary with its standard output on /dev/full.
	full, err := os.OpenFile("/dev/full", os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer full.Close()
	for _, args := range [][]string{
		// -q: the table's minority has the higher positive rate, and the
		// warning about it is not what this checks.
		append([]string{"flip", in, "-q"}, flipArgs...),
		{"flip", "--help"},
	} {
		cmd := fairflipCmd(t, dir, args...)
		var stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = full, &stderr
		if code := exitStatus(t, cmd.Run()); code != exitIO {
			t.Fatalf("%v > /dev/full: exit %d: %s", args, code, stderr.String())
		}
		oneLine(t, stderr.String(), "fairflip: writing standard output: no space left on device")
	}
}

// TestClosedPipe: "fairflip flip big.csv | head -1" exits 141 quietly (no
// message, no death by SIGPIPE), and leaves no temporary file, reading a
// file or standard input.
func TestClosedPipe(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	tmp := t.TempDir()
	big := writeFile(t, dir, "big.csv", bigCSV(150000)) // 3.5 MB out, far more than a pipe holds
	for _, viaStdin := range []bool{false, true} {
		args := append([]string{"flip", big}, flipArgs...)
		if viaStdin {
			args = append([]string{"flip"}, flipArgs...)
		}
		cmd := fairflipCmd(t, tmp, args...)
		if viaStdin {
			f, err := os.Open(big)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			cmd.Stdin = f
		}
		r, w, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		var stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = w, &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		w.Close()
		line, err := bufio.NewReader(r).ReadString('\n') // head -1
		if err != nil || line != "id,x,g,y,fairflip_audit\n" {
			t.Fatalf("first line %q, %v", line, err)
		}
		r.Close()
		code := exitStatus(t, cmd.Wait())
		if code != exitClosedPipe || stderr.Len() != 0 {
			t.Fatalf("stdin %v: exit %d, want %d; stderr %q", viaStdin, code, exitClosedPipe, stderr.String())
		}
		assertDir(t, tmp, nil)
	}
}

// TestSignal: SIGTERM or SIGINT while fairflip reads its input (a fifo, or
// standard input, fed by the test and left open) exits 130 at once, with
// the previous -o file byte for byte as it was and no temporary file, in
// the output folder or in TMPDIR.
func TestSignal(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name    string
		sig     syscall.Signal
		viaFifo bool
	}{
		{"SIGTERM, fifo input", syscall.SIGTERM, true},
		{"SIGINT, standard input", syscall.SIGINT, false},
		{"SIGTERM, standard input", syscall.SIGTERM, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			tmp := t.TempDir()
			previous := []byte("id,x,g,y,fairflip_audit\nprevious output\n")
			out := writeFile(t, dir, "out.csv", string(previous))
			args := append([]string{"flip", "-o", out}, flipArgs...)
			var feed *os.File
			cmd := fairflipCmd(t, tmp)
			if c.viaFifo {
				fifo := filepath.Join(dir, "in.csv")
				if err := syscall.Mkfifo(fifo, 0o600); err != nil {
					t.Skipf("mkfifo: %v", err)
				}
				cmd = fairflipCmd(t, tmp, append(args, fifo)...)
			} else {
				r, w, err := os.Pipe()
				if err != nil {
					t.Fatal(err)
				}
				defer r.Close()
				cmd = fairflipCmd(t, tmp, args...)
				cmd.Stdin, feed = r, w
			}
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			exited := make(chan error, 1)
			go func() { exited <- cmd.Wait() }()
			if c.viaFifo {
				// Opening the fifo waits for fairflip to open it.
				opened := make(chan *os.File, 1)
				go func() {
					f, err := os.OpenFile(filepath.Join(dir, "in.csv"), os.O_WRONLY, 0)
					if err != nil {
						t.Error(err)
					}
					opened <- f
				}()
				select {
				case feed = <-opened:
				case err := <-exited:
					t.Fatalf("fairflip exited before opening its input: %v: %s", err, stderr.String())
				}
			}
			defer feed.Close()
			// More than a pipe holds: when Write returns, fairflip has read
			// at least the part beyond the pipe's capacity.
			first := bigCSV(20000)[:256<<10]
			if _, err := feed.Write([]byte(first)); err != nil {
				t.Fatal(err)
			}
			if err := cmd.Process.Signal(c.sig); err != nil {
				t.Fatal(err)
			}
			// The input stays open, with no end in sight: fairflip must not
			// wait for it.
			code := exitStatus(t, <-exited)
			if code != exitInterrupted {
				t.Fatalf("exit %d, want %d: %s", code, exitInterrupted, stderr.String())
			}
			oneLine(t, stderr.String(), "fairflip: interrupted; no output was written")
			want := map[string][]byte{"out.csv": previous}
			if c.viaFifo {
				want["in.csv"] = nil
			}
			assertDir(t, dir, want)
			assertDir(t, tmp, nil)
		})
	}
}

// TestInputChanged: an input file that changes between flip's two passes
// (or during the second) gives exit 3 and no output; the -o file is left
// as it was. A change of size, of modification time or of file (replaced
// by a rename) is seen, even when the rows keep their count.
func TestInputChanged(t *testing.T) {
	t.Parallel()
	content := bigCSV(2000)
	type change func(t *testing.T, path string)
	appendRow := func(t *testing.T, p string) {
		f, err := os.OpenFile(p, os.O_APPEND|os.O_WRONLY, 0)
		if err != nil {
			t.Fatal(err)
		}
		f.WriteString("99999,1.5,min,0\n")
		f.Close()
	}
	truncate := func(t *testing.T, p string) {
		if err := os.Truncate(p, int64(len(content)/2)); err != nil {
			t.Fatal(err)
		}
	}
	sameSize := func(t *testing.T, p string) {
		st, _ := os.Stat(p)
		// One label changed, same size, same rows; a later modification time.
		b := []byte(strings.Replace(content, ",maj,0\n", ",maj,1\n", 1))
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		os.Chtimes(p, st.ModTime().Add(1e9), st.ModTime().Add(1e9))
	}
	replaced := func(t *testing.T, p string) {
		st, _ := os.Stat(p)
		other := p + ".new"
		if err := os.WriteFile(other, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		os.Chtimes(other, st.ModTime(), st.ModTime())
		if err := os.Rename(other, p); err != nil {
			t.Fatal(err)
		}
	}
	const between, after = true, false
	cases := []struct {
		name    string
		between bool // the change runs between the passes, else after the write
		change  change
		msg     string
	}{
		{"row appended between passes", between, appendRow, "bytes, then"},
		{"truncated between passes", between, truncate, "bytes, then"},
		{"rewritten, same size, between passes", between, sameSize, "(modified at"},
		{"replaced between passes", between, replaced, "replaced by another file"},
		{"truncated during the second pass", after, truncate, "bytes, then"},
		{"rewritten, same size, during the second pass", after, sameSize, "(modified at"},
		{"replaced during the second pass", after, replaced, "replaced by another file"},
	}
	for _, c := range cases {
		for _, toStdout := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s, stdout %v", c.name, toStdout), func(t *testing.T) {
				dir := t.TempDir()
				in := writeFile(t, dir, "in.csv", content)
				previous := []byte("previous\n")
				out := writeFile(t, dir, "out.csv", string(previous))
				h := &hooks{afterWrite: func() { c.change(t, in) }}
				if c.between {
					h = &hooks{betweenPasses: h.afterWrite}
				}
				args := append([]string{"flip", in, "-q"}, flipArgs...)
				if !toStdout {
					args = append(args, "-o", out)
				}
				r := runHooked(t, h, "", args...)
				if r.code != exitData {
					t.Fatalf("exit %d, want %d: %s", r.code, exitData, r.stderr)
				}
				oneLine(t, r.stderr, "fairflip: "+in+" changed while it was being read")
				if !strings.Contains(r.stderr, c.msg) {
					t.Fatalf("stderr %q lacks %q", r.stderr, c.msg)
				}
				if toStdout && c.between && r.stdout != "" {
					t.Fatalf("a change before the second pass still wrote %d bytes to stdout", len(r.stdout))
				}
				if toStdout && !c.between && !strings.Contains(r.stderr, "the rows already written to standard output are not a valid output") {
					t.Fatalf("stderr %q does not disown the rows on stdout", r.stderr)
				}
				if (!toStdout || c.between) && !strings.HasSuffix(r.stderr, "; nothing was written\n") {
					t.Fatalf("stderr %q", r.stderr)
				}
				assertDir(t, dir, map[string][]byte{"in.csv": nil, "out.csv": previous})
			})
		}
	}
	// undo reads its input twice too.
	dir := t.TempDir()
	in := writeFile(t, dir, "in.csv", content)
	flipped := filepath.Join(dir, "flipped.csv")
	if r := runCLI(t, "", append([]string{"flip", in, "-o", flipped, "-q"}, flipArgs...)...); r.code != 0 {
		t.Fatal(r.stderr)
	}
	out := writeFile(t, dir, "out.csv", "previous\n")
	r := runHooked(t, &hooks{afterWrite: func() { appendRow(t, flipped) }}, "", "undo", flipped, "-o", out)
	if r.code != exitData {
		t.Fatalf("undo: exit %d: %s", r.code, r.stderr)
	}
	oneLine(t, r.stderr, "fairflip: "+flipped+" changed while it was being read")
	assertDir(t, dir, map[string][]byte{"in.csv": []byte(content), "flipped.csv": nil, "out.csv": []byte("previous\n")})
}

// TestUnwritableOutput: -o in a folder that cannot be written (or under a
// path that is not a folder) fails at once with exit 4 and a message
// naming the output, and creates nothing.
func TestUnwritableOutput(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	in := writeFile(t, dir, "in.csv", small)
	notDir := writeFile(t, dir, "file", "a regular file\n")
	args := func(out string) []string {
		return append([]string{"flip", in, "-o", out, "-q"}, flipArgs[:len(flipArgs)-1]...)
	}
	cases := []struct{ out, msg string }{
		{filepath.Join(notDir, "out.csv"), "not a directory"},
		{filepath.Join(dir, "missing", "out.csv"), "no such file or directory"},
		{"/proc/self/fairflip-out.csv", ""}, // procfs: no new files, even for root
		{"/sys/fairflip-out.csv", ""},       // sysfs: permission denied, even for root
	}
	for _, c := range cases {
		if strings.HasPrefix(c.out, "/proc/") || strings.HasPrefix(c.out, "/sys/") {
			if _, err := os.Stat(filepath.Dir(c.out)); err != nil {
				continue
			}
		}
		r := runCLI(t, "", append(args(c.out), "1")...)
		if r.code != exitIO {
			t.Fatalf("-o %s: exit %d, want %d: %s", c.out, r.code, exitIO, r.stderr)
		}
		oneLine(t, r.stderr, "fairflip: cannot write "+c.out+": "+c.msg)
		if _, err := os.Lstat(c.out); err == nil {
			t.Fatalf("%s was created", c.out)
		}
	}
	assertDir(t, dir, map[string][]byte{"in.csv": []byte(small), "file": []byte("a regular file\n")})

	// A folder without write permission. Root ignores permission bits, so
	// as root the same run is made by a child process as user nobody.
	ro := filepath.Join(dir, "ro")
	if err := os.Mkdir(ro, 0o555); err != nil {
		t.Fatal(err)
	}
	defer os.Chmod(ro, 0o755)
	out := filepath.Join(ro, "out.csv")
	if os.Geteuid() != 0 {
		r := runCLI(t, "", append(args(out), "1")...)
		if r.code != exitIO {
			t.Fatalf("-o %s: exit %d: %s", out, r.code, r.stderr)
		}
		oneLine(t, r.stderr, "fairflip: cannot write "+out+": permission denied")
		assertDir(t, ro, nil)
		return
	}
	// nobody must reach the binary, the input and the folder.
	pub, err := os.MkdirTemp("", "fairflip-nobody-*")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(pub)
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(exe)
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(pub, "fairflip")
	pubIn := filepath.Join(pub, "in.csv")
	pubRO := filepath.Join(pub, "ro")
	if os.WriteFile(bin, b, 0o755) != nil || os.WriteFile(pubIn, []byte(small), 0o644) != nil || os.Mkdir(pubRO, 0o555) != nil || os.Chmod(pub, 0o755) != nil {
		t.Fatal("setting up the files for user nobody failed")
	}
	pubOut := filepath.Join(pubRO, "out.csv")
	cmd := exec.Command(bin, append([]string{"flip", pubIn, "-o", pubOut, "-q"}, flipArgs...)...)
	cmd.Env = append(os.Environ(), "FAIRFLIP_TEST_AS_MAIN=1", "TMPDIR="+pub)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err = cmd.Run()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Skipf("running as root, and a child process cannot run as user nobody (%v): the read-only folder case needs a non-root user", err)
	}
	if code := exitStatus(t, err); code != exitIO {
		if strings.Contains(stderr.String(), "permission denied") && strings.Contains(stderr.String(), pub) {
			t.Skipf("user nobody cannot reach %s (%s): the read-only folder case needs a non-root user", pub, stderr.String())
		}
		t.Fatalf("as nobody, -o %s: exit %d: %s", pubOut, code, stderr.String())
	}
	oneLine(t, stderr.String(), "fairflip: cannot write "+pubOut+": permission denied")
	assertDir(t, pubRO, nil)
}

// TestOutputRefusals: outputs that cannot be right are refused before any
// work, with exit 2.
func TestOutputRefusals(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	in := writeFile(t, dir, "in.csv", small)
	out := filepath.Join(dir, "out.csv")
	for _, c := range []struct {
		args []string
		msg  string
	}{
		{[]string{"-o", dir}, "-o " + dir + " is a directory; name a file"},
		{[]string{"--summary", "-"}, "-o - and --summary - both go to standard output"},
		{[]string{"-o", out, "--summary", out}, "-o " + out + " and --summary " + out + " are the same file"},
		{[]string{"-o", out, "--summary", in}, "--summary " + in + " is the same file as INPUT " + in},
	} {
		r := runCLI(t, "", append(append([]string{"flip", in, "-q"}, flipArgs...), c.args...)...)
		if r.code != exitUsage || r.stdout != "" {
			t.Fatalf("%v: exit %d, stdout %q, stderr %q", c.args, r.code, r.stdout, r.stderr)
		}
		oneLine(t, r.stderr, c.msg)
	}
	assertDir(t, dir, map[string][]byte{"in.csv": []byte(small)})
	// --summary - with -o FILE: the summary on stdout.
	r := runCLI(t, "", append(append([]string{"flip", in, "-q"}, flipArgs...), "-o", out, "--summary", "-")...)
	if r.code != 0 || !strings.Contains(r.stdout, `"rows": 6`) {
		t.Fatalf("exit %d stdout %q stderr %q", r.code, r.stdout, r.stderr)
	}
	r = runCLI(t, "", "sweep", in, "-o", "-", "--test", in, "--sensitive", "g", "--minority", "min", "--label", "y", "--positive", "1")
	if r.code != exitUsage {
		t.Fatalf("sweep -o -: exit %d: %s", r.code, r.stderr)
	}
}

// TestSymlinkOutput: -o naming a symbolic link replaces the file it points
// to, and keeps the link.
func TestSymlinkOutput(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	in := writeFile(t, dir, "in.csv", small)
	target := writeFile(t, dir, "target.csv", "previous\n")
	link := filepath.Join(dir, "link.csv")
	if err := os.Symlink("target.csv", link); err != nil {
		t.Skip(err)
	}
	r := runCLI(t, "", append(append([]string{"flip", in, "-o", link, "-q"}, flipArgs[:len(flipArgs)-1]...), "1")...)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if st, err := os.Lstat(link); err != nil || st.Mode()&os.ModeSymlink == 0 {
		t.Fatalf("the link was replaced: %v", err)
	}
	if b, _ := os.ReadFile(target); !strings.Contains(string(b), "fairflip_audit") {
		t.Fatalf("the target was not written: %q", b)
	}
}

// TestFifos: a fifo (or a process substitution, <(...)) as input is read
// once, into a temporary file, and flipped like the regular file (it used
// to be opened a second time for the second pass, and its first bytes
// consumed by the format detection); a fifo as -o is written in place.
func TestFifos(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	content := bigCSV(5000)
	in := writeFile(t, dir, "in.csv", content)
	want := runCLI(t, "", append([]string{"flip", in, "-q"}, flipArgs...)...)
	if want.code != 0 {
		t.Fatal(want.stderr)
	}
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	// Input.
	fed := make(chan error, 1)
	go func() {
		f, err := os.OpenFile(fifo, os.O_WRONLY, 0)
		if err == nil {
			_, err = f.WriteString(content)
			f.Close()
		}
		fed <- err
	}()
	r := runCLI(t, "", append([]string{"flip", fifo, "-q"}, flipArgs...)...)
	if err := <-fed; err != nil {
		t.Fatal(err)
	}
	if r.code != 0 || r.stdout != want.stdout {
		t.Fatalf("fifo input: exit %d, %d bytes (want %d): %s", r.code, len(r.stdout), len(want.stdout), r.stderr)
	}
	// Output.
	got := make(chan []byte, 1)
	go func() {
		f, err := os.Open(fifo)
		if err != nil {
			t.Error(err)
			got <- nil
			return
		}
		b, _ := io.ReadAll(f)
		f.Close()
		got <- b
	}()
	r = runCLI(t, "", append([]string{"flip", in, "-q", "-o", fifo}, flipArgs...)...)
	if b := <-got; r.code != 0 || string(b) != want.stdout {
		t.Fatalf("-o fifo: exit %d, %d bytes (want %d): %s", r.code, len(b), len(want.stdout), r.stderr)
	}
	assertDir(t, dir, map[string][]byte{"in.csv": []byte(content), "fifo": nil})
}

// TestExitCodeTable: docs/REFERENCE.md's exit-code table and --help list
// exactly the codes run returns.
func TestExitCodeTable(t *testing.T) {
	t.Parallel()
	codes := []int{exitOK, exitInternal, exitUsage, exitData, exitIO, exitInterrupted, exitClosedPipe}
	b, err := os.ReadFile("../../docs/REFERENCE.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	start := strings.Index(readme, "## Errors and exit codes")
	if start < 0 {
		t.Fatal(`docs/REFERENCE.md has no "Errors and exit codes" section`)
	}
	section := readme[start:]
	if end := strings.Index(section[3:], "\n## "); end >= 0 {
		section = section[:end+3]
	}
	var table []string
	for _, line := range strings.Split(section, "\n") {
		var code int
		if _, err := fmt.Sscanf(line, "| %d |", &code); err == nil {
			table = append(table, fmt.Sprint(code))
		}
	}
	var want []string
	for _, c := range codes {
		want = append(want, fmt.Sprint(c))
	}
	if strings.Join(table, " ") != strings.Join(want, " ") {
		t.Errorf("docs/REFERENCE.md's exit codes %v, the code's %v", table, want)
	}
	help := runCLI(t, "", "--help").stdout
	for _, c := range codes[1:] {
		if !strings.Contains(strings.Join(strings.Fields(help), " "), fmt.Sprintf(" %d ", c)) {
			t.Errorf("--help does not list exit code %d", c)
		}
	}
}
