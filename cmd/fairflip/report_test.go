package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"image"
	"image/png"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/fairflip/fairflip/internal/testdata"
)

// sweepReportArgs is a small sweep of synthCSV's table.
func sweepReportArgs(in string, extra ...string) []string {
	return append([]string{"sweep", in, "--test-split", "0.3", "--sensitive", "g", "--minority", "min", "--label", "y", "--positive", "1",
		"--methods", "rb-prob,random", "--alpha", "0.5", "--flips", "0,5,10", "--runs", "2"}, extra...)
}

func TestSweepReport(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	body := synthCSV(300, 1)
	in := writeFile(t, dir, "in.csv", body)
	rep := filepath.Join(dir, "report.html")
	r := runCLI(t, "", sweepReportArgs(in, "--report", rep)...)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	b, err := os.ReadFile(rep)
	if err != nil {
		t.Fatal(err)
	}
	page := string(b)
	sum := sha256.Sum256([]byte(body))
	for _, want := range []string{
		"<!DOCTYPE html>", hex.EncodeToString(sum[:]), "Recommendation", `<table class="summary">`, `<table class="rates">`, "<svg ",
		// The command line, rebuilt flag by flag.
		"fairflip sweep " + in, "--methods rb-prob,random", "--test-split 0.3", "--report " + rep,
		// A setting left at its default is listed too.
		"<code>--seed</code></td><td><code>1</code></td><td class=\"small\">default</td>",
		// Without a test table, base rates are estimates.
		"are estimates",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the report lacks %q", want)
		}
	}
	if st, _ := os.Stat(rep); st.Mode().Perm() != 0o644 {
		t.Errorf("report mode %v, want 0644", st.Mode().Perm())
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 2 {
		t.Errorf("the folder holds %d files, want in.csv and report.html", len(entries))
	}
}

// TestSweepReportHostileNames: a column named like markup shows as text.
func TestSweepReportHostileNames(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	const evil = "<script>alert(1)</script>"
	body := strings.Replace(synthCSV(300, 2), "x,z,g,y", "x,z,"+`"`+evil+`"`+",y", 1)
	in := writeFile(t, dir, "in.csv", body)
	rep := filepath.Join(dir, "report.html")
	args := sweepReportArgs(in, "--report", rep)
	for i, a := range args {
		if a == "g" {
			args[i] = evil
		}
	}
	r := runCLI(t, "", args...)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	b, err := os.ReadFile(rep)
	if err != nil {
		t.Fatal(err)
	}
	page := string(b)
	if strings.Contains(strings.ToLower(page), "<script") {
		t.Fatal("the report holds a <script> element: a column name was not escaped")
	}
	// In the title, the summary, the figures' subtitles, the command line and the settings.
	if n := strings.Count(page, "&lt;script&gt;alert(1)&lt;/script&gt;"); n < 5 {
		t.Errorf("the column name appears escaped %d times, want at least 5", n)
	}
}

func TestSweepReportRefusals(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	in := writeFile(t, dir, "in.csv", synthCSV(100, 1))
	orig, _ := os.ReadFile(in)
	out := filepath.Join(dir, "res.csv")
	for _, tc := range []struct {
		name string
		args []string
		code int
		msg  string
	}{
		{"over its input", []string{"--report", in}, exitUsage, "--report " + in + " is the same file as INPUT " + in},
		{"over -o", []string{"-o", out, "--report", out}, exitUsage, "are the same file"},
		{"standard output", []string{"--report", "-"}, exitUsage, "--report takes a file name"},
		{"a missing folder", []string{"--report", filepath.Join(dir, "no", "r.html")}, exitIO, "cannot write " + filepath.Join(dir, "no", "r.html")},
	} {
		r := runCLI(t, "", sweepReportArgs(in, tc.args...)...)
		if r.code != tc.code || !strings.Contains(r.stderr, tc.msg) {
			t.Errorf("%s: exit %d, %q; want exit %d and %q", tc.name, r.code, r.stderr, tc.code, tc.msg)
		}
		if r.stdout != "" {
			t.Errorf("%s: the sweep ran (stdout %q)", tc.name, r.stdout)
		}
	}
	if b, _ := os.ReadFile(in); !bytes.Equal(b, orig) {
		t.Error("the input changed")
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("the folder holds %d files, want only in.csv", len(entries))
	}
}

// TestSweepReportWriteFails: a report that cannot be written leaves its
// previous version as it was and no temporary file.
func TestSweepReportWriteFails(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	in := writeFile(t, dir, "in.csv", synthCSV(200, 1))
	rep := writeFile(t, dir, "report.html", "old report")
	h := &hooks{outputWriter: func(name string, w io.Writer) io.Writer {
		if name == rep {
			return &failAfter{n: 1000, err: syscall.ENOSPC}
		}
		return w
	}}
	r := runHooked(t, h, "", sweepReportArgs(in, "--report", rep)...)
	if r.code != exitIO || !strings.Contains(r.stderr, "writing "+rep+": no space left on device") {
		t.Fatalf("exit %d, %q; want exit 4 naming the report", r.code, r.stderr)
	}
	if b, _ := os.ReadFile(rep); string(b) != "old report" {
		t.Errorf("the previous report was changed: %.60q", b)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 2 {
		t.Errorf("the folder holds %d files, want in.csv and report.html (no temporary file)", len(entries))
	}
}

// chromium returns the path of Debian's chromium, or skips the test
// (fails it under CI, which installs chromium: .ci/run).
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("chromium is not installed (.ci/run installs Debian's chromium)")
	}
	t.Skip("chromium is not installed (apt-get install chromium): the HTML report is not rendered")
	return ""
}

// runChromium runs headless chromium on a page as the current user (root
// in CI: --no-sandbox), with its own profile, logging the page's console
// to stderr. It returns stdout and stderr.
func runChromium(t *testing.T, bin, page string, args ...string) (string, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	all := append([]string{"--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions",
		"--user-data-dir=" + t.TempDir(), "--enable-logging=stderr", "--v=0"}, args...)
	cmd := exec.CommandContext(ctx, bin, append(all, "file://"+page)...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	cmd.Env = append(os.Environ(), "HOME="+t.TempDir())
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium %q: %v\n%s", args, err, errb.String())
	}
	return out.String(), errb.String()
}

// consoleMessages are the lines of chromium's log about the page's
// console: messages and uncaught errors.
func consoleMessages(stderr string) []string {
	var out []string
	for _, l := range strings.Split(stderr, "\n") {
		if strings.Contains(l, ":CONSOLE") || strings.Contains(l, "Uncaught") {
			out = append(out, l)
		}
	}
	return out
}

// TestReportInChromium renders the report of a small sweep on Adult in
// headless Chromium: the screenshot is not blank and shows the figures'
// colours, the page's DOM holds the figures and the tables, and the
// console has nothing to say.
func TestReportInChromium(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("-short: Chromium renders the report in the full run (go test ./...); .ci/run's -short pass is the race detector's, for which a browser's time is no use")
	}
	bin := chromium(t)
	dir := t.TempDir()

	// The console check sees console messages and uncaught errors.
	bad := writeFile(t, dir, "bad.html", `<!DOCTYPE html><p>x</p><script>console.error("seen"); notDefined();</script>`)
	if _, errs := runChromium(t, bin, bad, "--dump-dom"); len(consoleMessages(errs)) < 2 {
		t.Fatalf("chromium's log does not show a page's console errors; the check below would see nothing:\n%s", errs)
	}

	train, test := testdata.Path(t, "adult/adult.data"), testdata.Path(t, "adult/adult.test")
	rep := filepath.Join(dir, "report.html")
	args := append([]string{"sweep", train, "--test", test, "--methods", "rb-prob,random", "--alpha", "0.3,1",
		"--flips", "0,40,80,auto", "--runs", "2", "--report", rep}, adultArgs(t)...)
	if r := runCLI(t, "", args...); r.code != 0 {
		t.Fatalf("sweep: exit %d: %s", r.code, r.stderr)
	}

	dom, errs := runChromium(t, bin, rep, "--dump-dom")
	if msgs := consoleMessages(errs); len(msgs) > 0 {
		t.Errorf("console messages while loading the report:\n%s", strings.Join(msgs, "\n"))
	}
	// 2 EqOd vs flips (one per alpha), best EqOd vs alpha, the Pareto front.
	if n := len(regexp.MustCompile(`<svg[ >]`).FindAllString(dom, -1)); n != 4 {
		t.Errorf("the rendered page has %d svg elements, want 4", n)
	}
	rows := regexp.MustCompile(`(?s)<table class="summary">.*?</table>`).FindString(dom)
	// 2 methods × 2 alphas × 4 flip counts, random without auto: 14 cells, and the header.
	if n := strings.Count(rows, "<tr"); n != 15 {
		t.Errorf("the summary table has %d rows, want 15", n)
	}
	for _, want := range []string{"Recommendation", "Black", `<table class="rates">`, "Run it again", "EqOd (equalized odds gap)"} {
		if !strings.Contains(dom, want) {
			t.Errorf("the rendered page lacks %q", want)
		}
	}

	shot := filepath.Join(dir, "report.png")
	_, errs = runChromium(t, bin, rep, "--screenshot="+shot, "--window-size=1200,6000", "--hide-scrollbars")
	if msgs := consoleMessages(errs); len(msgs) > 0 {
		t.Errorf("console messages while drawing the report:\n%s", strings.Join(msgs, "\n"))
	}
	f, err := os.Open(shot)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(f)
	f.Close()
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	ink, blue := inkAndColour(img, 0, 114, 178) // rb-prob's colour in the figures
	total := img.Bounds().Dx() * img.Bounds().Dy()
	if ink < total/50 {
		t.Errorf("the screenshot is nearly blank: %d of %d pixels not white", ink, total)
	}
	if blue < 200 {
		t.Errorf("the screenshot shows %d pixels of rb-prob's blue: the figures are not drawn", blue)
	}
	t.Logf("screenshot %dx%d: %d pixels not white, %d of rb-prob's blue", img.Bounds().Dx(), img.Bounds().Dy(), ink, blue)
}

// inkAndColour counts the pixels of img that are not (nearly) white, and
// those near the colour (r, g, b).
func inkAndColour(img image.Image, r, g, b int) (ink, near int) {
	bd := img.Bounds()
	for y := bd.Min.Y; y < bd.Max.Y; y++ {
		for x := bd.Min.X; x < bd.Max.X; x++ {
			pr, pg, pb, _ := img.At(x, y).RGBA()
			R, G, B := int(pr>>8), int(pg>>8), int(pb>>8)
			if R < 245 || G < 245 || B < 245 {
				ink++
			}
			if abs(R-r) < 30 && abs(G-g) < 30 && abs(B-b) < 30 {
				near++
			}
		}
	}
	return ink, near
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}
