package main

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// fakeTerminal makes standard error a terminal for the progress bar, which
// flip and undo draw at once (not after 2 s).
var fakeTerminal = &hooks{progress: &progressHooks{terminal: true}}

// barCount matches the bar's count, "(done/total)".
var barCount = regexp.MustCompile(`\((\d+)/(\d+)\)`)

// checkBar checks the stderr of a command run with a terminal: it holds a
// bar of stage desc whose last state is complete, then the cleared line, and
// after it nothing that moves the cursor back (no stale bar text). It
// returns what follows the cleared line.
func checkBar(t *testing.T, stderr, desc string) string {
	t.Helper()
	end := strings.LastIndex(stderr, clearLine)
	if end < 0 {
		t.Fatalf("stderr never clears the bar's line: %q", stderr)
	}
	bars, after := stderr[:end], stderr[end+len(clearLine):]
	if strings.ContainsAny(after, "\r\x1b") {
		t.Errorf("stderr draws after clearing the line: %q", after)
	}
	last := bars[strings.LastIndex(bars, "\r"):]
	if !strings.Contains(last, desc) || !strings.Contains(last, "100%") {
		t.Errorf("the bar's last state %q is not %s at 100%%", last, desc)
	}
	if strings.HasSuffix(desc, "writing") {
		return after
	}
	m := barCount.FindStringSubmatch(last)
	if m == nil || m[1] != m[2] {
		t.Errorf("the bar's last state %q does not count all done", last)
	}
	return after
}

// noBar checks that nothing was drawn on stderr.
func noBar(t *testing.T, what, stderr string) {
	t.Helper()
	if strings.ContainsAny(stderr, "\r\x1b") {
		t.Errorf("%s: stderr has a bar: %q", what, stderr)
	}
}

func TestSweepProgress(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	in := writeFile(t, dir, "in.csv", synthCSV(300, 1))
	args := func(out string, more ...string) []string {
		return append([]string{"sweep", in, "--test-split", "0.3", "--sensitive", "g", "--minority", "min", "--label", "y", "--positive", "1",
			"--methods", "rb-prob,random", "--alpha", "0.3", "--flips", "0,5,10", "--runs", "2", "-o", filepath.Join(dir, out)}, more...)
	}
	term := runHooked(t, fakeTerminal, "", args("term.csv")...)
	if term.code != 0 {
		t.Fatalf("exit %d: %s", term.code, term.stderr)
	}
	after := checkBar(t, term.stderr, "fairflip sweep: fits")
	// 2 runs × (2 methods × 2 flip counts) fits, and each run's base fit.
	if m := barCount.FindAllStringSubmatch(term.stderr, -1); m[len(m)-1][2] != "10" {
		t.Errorf("the bar counts %s fits, want 10", m[len(m)-1][2])
	}
	if !strings.HasPrefix(after, "fairflip sweep: 12 results in ") {
		t.Errorf("after the bar: %q", after)
	}
	plain := runCLI(t, "", args("plain.csv")...)
	if plain.code != 0 {
		t.Fatalf("exit %d: %s", plain.code, plain.stderr)
	}
	noBar(t, "not a terminal", plain.stderr)
	quiet := runHooked(t, fakeTerminal, "", args("quiet.csv", "--quiet")...)
	if quiet.code != 0 {
		t.Fatalf("exit %d: %s", quiet.code, quiet.stderr)
	}
	noBar(t, "--quiet", quiet.stderr)
	if term.stdout != plain.stdout || quiet.stdout != plain.stdout {
		t.Errorf("stdout differs with a bar:\n%s\nwithout:\n%s", term.stdout, plain.stdout)
	}
	noBar(t, "stdout", term.stdout)
	for _, suffix := range []string{".csv", ".summary.csv", ".summary.json"} {
		a, _ := os.ReadFile(filepath.Join(dir, "term"+suffix))
		b, _ := os.ReadFile(filepath.Join(dir, "plain"+suffix))
		if len(a) == 0 || !bytes.Equal(a, b) {
			t.Errorf("-o's %s differs with a bar (%d vs %d bytes)", suffix, len(a), len(b))
		}
	}
}

func TestFlipProgress(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	in := writeFile(t, dir, "in.csv", synthCSV(3000, 2))
	flip := []string{"flip", in, "--sensitive", "g", "--minority", "min", "--label", "y", "--positive", "1", "--alpha", "0.5", "--flips", "50"}
	plain := runCLI(t, "", flip...)
	if plain.code != 0 {
		t.Fatalf("exit %d: %s", plain.code, plain.stderr)
	}
	noBar(t, "flip, not a terminal", plain.stderr)
	term := runHooked(t, fakeTerminal, "", flip...)
	if term.code != 0 {
		t.Fatalf("exit %d: %s", term.code, term.stderr)
	}
	if term.stdout != plain.stdout {
		t.Fatal("flip's output differs with a bar")
	}
	for _, stage := range []string{"inspecting", "reading", "scoring"} {
		if !strings.Contains(term.stderr, "fairflip flip: "+stage) {
			t.Errorf("no bar of stage %s: %q", stage, term.stderr)
		}
	}
	if after := checkBar(t, term.stderr, "fairflip flip: writing"); after != strings.ReplaceAll(plain.stderr, "/plain/", "/term/") {
		t.Errorf("after the bar: %q, want the summary %q", after, plain.stderr)
	}
	for _, q := range []string{"--quiet", "-q"} {
		r := runHooked(t, fakeTerminal, "", append(flip, q)...)
		if r.code != 0 || r.stderr != "" || r.stdout != plain.stdout {
			t.Errorf("%s: exit %d, stderr %q", q, r.code, r.stderr)
		}
	}
	// Work shorter than the delay shows nothing.
	late := &hooks{progress: &progressHooks{terminal: true, drawAfter: time.Hour}}
	if r := runHooked(t, late, "", flip...); r.code != 0 || r.stderr != plain.stderr {
		t.Errorf("short flip on a terminal: exit %d, stderr %q", r.code, r.stderr)
	}

	// Undo, to standard output and to a file.
	flipped := writeFile(t, dir, "flipped.csv", plain.stdout)
	uplain := runCLI(t, "", "undo", flipped)
	uterm := runHooked(t, fakeTerminal, "", "undo", flipped)
	if uplain.code != 0 || uterm.code != 0 {
		t.Fatalf("undo: exit %d, %d: %s", uplain.code, uterm.code, uterm.stderr)
	}
	if uterm.stdout != uplain.stdout || uplain.stdout != synthCSV(3000, 2) {
		t.Error("undo's output differs with a bar, or from the input")
	}
	if after := checkBar(t, uterm.stderr, "fairflip undo: writing"); after != uplain.stderr {
		t.Errorf("after undo's bar: %q, want %q", after, uplain.stderr)
	}
	if r := runHooked(t, fakeTerminal, "", "undo", "-q", flipped); r.stderr != "" {
		t.Errorf("undo -q: stderr %q", r.stderr)
	}

	// Standard output on the terminal too: the data are not drawn over;
	// the line is cleared before they are written.
	screen := &hooks{progress: &progressHooks{terminal: true, stdout: true}}
	for _, args := range [][]string{flip, {"undo", flipped}} {
		r := runHooked(t, screen, "", args...)
		if r.code != 0 || r.stdout != map[bool]string{true: plain.stdout, false: uplain.stdout}[args[0] == "flip"] {
			t.Fatalf("%s to the screen: exit %d: %s", args[0], r.code, r.stderr)
		}
		if strings.Contains(r.stderr, "writing") {
			t.Errorf("%s to the screen draws its writing: %q", args[0], r.stderr)
		}
	}
	r := runHooked(t, screen, "", append(flip, "-o", filepath.Join(dir, "out.csv"))...)
	if r.code != 0 || !strings.Contains(r.stderr, "fairflip flip: writing") {
		t.Errorf("flip -o FILE with stdout on the screen: exit %d, no bar of its writing: %q", r.code, r.stderr)
	}
}

// TestProgressClearedOnError: a flip that fails after drawing its bar
// clears the line before the error message.
func TestProgressClearedOnError(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	in := writeFile(t, dir, "in.csv", synthCSV(3000, 2))
	out := filepath.Join(dir, "out.csv")
	h := &hooks{progress: fakeTerminal.progress, outputWriter: func(name string, w io.Writer) io.Writer {
		return io.MultiWriter(&failAfter{n: 1000, err: syscall.ENOSPC}, w)
	}}
	r := runHooked(t, h, "", "flip", in, "-o", out, "--sensitive", "g", "--minority", "min", "--label", "y", "--positive", "1", "--alpha", "0.5", "--flips", "50")
	if r.code != exitIO {
		t.Fatalf("exit %d, want %d: %s", r.code, exitIO, r.stderr)
	}
	msg := "fairflip: writing " + out + ": no space left on device\n"
	if !strings.Contains(r.stderr, "fairflip flip: ") || !strings.HasSuffix(r.stderr, clearLine+msg) {
		t.Errorf("stderr %q: want a bar, then the cleared line and %q", r.stderr, msg)
	}
}

// TestFlipFilesProgress: flip and undo of several files draw one bar over
// all of them, and write the same files as without it.
func TestFlipFilesProgress(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	lines := strings.SplitAfter(synthCSV(2000, 3), "\n")
	var ins []string
	for i, part := range [][]string{lines[1:700], lines[700:1400], lines[1400:]} {
		ins = append(ins, writeFile(t, dir, "part"+string(rune('a'+i))+".csv", lines[0]+strings.Join(part, "")))
	}
	for _, out := range []string{"plain", "term", "uplain", "uterm"} {
		if err := os.Mkdir(filepath.Join(dir, out), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	flip := func(out string) []string {
		return append([]string{"flip", "--output-dir", filepath.Join(dir, out), "--sensitive", "g", "--minority", "min", "--label", "y", "--positive", "1", "--flips", "40"}, ins...)
	}
	plain := runCLI(t, "", flip("plain")...)
	term := runHooked(t, fakeTerminal, "", flip("term")...)
	if plain.code != 0 || term.code != 0 {
		t.Fatalf("exit %d, %d: %s", plain.code, term.code, term.stderr)
	}
	noBar(t, "flip --output-dir, not a terminal", plain.stderr)
	if after := checkBar(t, term.stderr, "fairflip flip: writing"); after != strings.ReplaceAll(plain.stderr, "/plain/", "/term/") {
		t.Errorf("after the bar: %q, want %q", after, plain.stderr)
	}
	undo := func(from, out string) []string {
		args := []string{"undo", "--output-dir", filepath.Join(dir, out)}
		for _, in := range ins {
			args = append(args, filepath.Join(dir, from, filepath.Base(in)))
		}
		return args
	}
	uplain := runCLI(t, "", undo("plain", "uplain")...)
	uterm := runHooked(t, fakeTerminal, "", undo("term", "uterm")...)
	if uplain.code != 0 || uterm.code != 0 {
		t.Fatalf("undo: exit %d, %d: %s", uplain.code, uterm.code, uterm.stderr)
	}
	if after := checkBar(t, uterm.stderr, "fairflip undo: writing"); after != strings.NewReplacer("/plain/", "/term/", "/uplain/", "/uterm/").Replace(uplain.stderr) {
		t.Errorf("after undo's bar: %q, want %q", after, uplain.stderr)
	}
	for _, in := range ins {
		name := filepath.Base(in)
		orig, _ := os.ReadFile(in)
		for _, pair := range [][2]string{{"plain", "term"}, {"uplain", "uterm"}} {
			a, _ := os.ReadFile(filepath.Join(dir, pair[0], name))
			b, _ := os.ReadFile(filepath.Join(dir, pair[1], name))
			if len(a) == 0 || !bytes.Equal(a, b) {
				t.Errorf("%s/%s differs with a bar", pair[1], name)
			}
		}
		if back, _ := os.ReadFile(filepath.Join(dir, "uterm", name)); !bytes.Equal(back, orig) {
			t.Errorf("undo did not restore %s", name)
		}
	}
}
