package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fairflip/fairflip/internal/duckdb"
)

// TestAuditColumnNames: an audit column name that would not read back as
// itself (spaces around it, a control character, empty) is exit 2 before
// anything is read or written, for flip and undo.
func TestAuditColumnNames(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	in := writeFile(t, dir, "in.csv", small)
	out := filepath.Join(dir, "out.csv")
	for _, name := range []string{" x", "x ", "a\nb", "a\tb", "\x00", "\x7f", "", "bad\xffutf8"} {
		for _, cmd := range [][]string{
			append([]string{"flip", in, "-o", out}, flipArgs...),
			{"undo", in, "-o", out},
		} {
			r := runCLI(t, "", append(cmd, "--audit-column", name)...)
			if r.code != exitUsage || r.stdout != "" {
				t.Fatalf("%s --audit-column %q: exit %d, stdout %q, stderr %q", cmd[0], name, r.code, r.stdout, r.stderr)
			}
			oneLine(t, r.stderr, "--audit-column")
			if _, err := os.Stat(out); !os.IsNotExist(err) {
				t.Fatalf("%s --audit-column %q wrote an output", cmd[0], name)
			}
		}
	}
	// A name with a comma or a quote is quoted in the header and reads back.
	for _, name := range []string{"audit, fairflip", `say "flip"`, "été"} {
		r := runCLI(t, "", append([]string{"flip", in, "-o", out, "--audit-column", name, "-q"}, flipArgs...)...)
		if r.code != 0 {
			t.Fatalf("--audit-column %q: %s", name, r.stderr)
		}
		u := runCLI(t, "", "undo", out, "--audit-column", name, "-q")
		if u.code != 0 || u.stdout != small {
			t.Fatalf("undo --audit-column %q: exit %d %s", name, u.code, u.stderr)
		}
	}
}

// TestPositiveSpelledOtherwise: a label value that equals --positive but for
// case or surrounding spaces is read as negative (a flip may change it) and
// named in a notice with its row count; with --negative it is an error that
// says why.
func TestPositiveSpelledOtherwise(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("x,g,y\n")
	for i := 0; i < 40; i++ {
		g, y := "maj", "no"
		if i%2 == 0 {
			g = "min"
		}
		switch i % 5 {
		case 0:
			y = "yes"
		case 1:
			y = "Yes"
		case 2:
			y = `" YES "`
		}
		fmt.Fprintf(&b, "%d,%s,%s\n", i%7, g, y)
	}
	in := writeFile(t, dir, "in.csv", b.String())
	args := []string{"--sensitive", "g", "--minority", "min", "--label", "y", "--positive", "yes", "--method", "random", "--flips", "1"}
	r := runCLI(t, "", append([]string{"flip", in, "-o", filepath.Join(dir, "out.csv")}, args...)...)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	want := `label values that equal --positive yes but for case or surrounding spaces were read as negative, so they may be flipped: "YES" (8 rows), "Yes" (8 rows); if they are favourable, give them as --positive too`
	if !strings.Contains(r.stderr, want) {
		t.Errorf("stderr lacks the notice %q:\n%s", want, r.stderr)
	}
	r = runCLI(t, "", append([]string{"flip", in, "-o", filepath.Join(dir, "out2.csv"), "--negative", "no"}, args...)...)
	if r.code != exitData {
		t.Fatalf("with --negative: exit %d: %s", r.code, r.stderr)
	}
	oneLine(t, r.stderr, `label "Yes" is neither positive (--positive yes) nor negative (--negative no) (it equals a --positive value but for case or surrounding spaces`)
	// Given as positive, nothing to say.
	r = runCLI(t, "", append([]string{"flip", in, "-o", filepath.Join(dir, "out3.csv"), "--positive", "Yes", "--positive", "YES"}, args...)...)
	if r.code != 0 || strings.Contains(r.stderr, "but for case") {
		t.Fatalf("all spellings positive: exit %d: %s", r.code, r.stderr)
	}
}

// TestMembersNumericOne: --members reads any number equal to 1 (1, 1.0,
// 1.00, 1e0) as a member, with 1/true/yes/y, and lists the values it read
// as non-members; a Parquet DECIMAL column holding 1.00 selects its rows.
func TestMembersNumericOne(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("x,g,y,opt\n")
	ones := []string{"1", "1.0", "1.00", "1e0", "TRUE", "Yes", "y"}
	others := []string{"0", "", "no", "0.5", "2"}
	members := 0
	for i := 0; i < 48; i++ {
		g := "maj"
		if i%2 == 0 {
			g = "min"
		}
		opt := others[i%len(others)]
		if i%4 == 0 {
			opt = ones[(i/4)%len(ones)]
			members++
		}
		fmt.Fprintf(&b, "%d,%s,0,%s\n", i%9, g, opt)
	}
	fmt.Fprintf(&b, "1,maj,1,0\n")
	in := writeFile(t, dir, "in.csv", b.String())
	args := []string{"--sensitive", "g", "--minority", "min", "--label", "y", "--positive", "1", "--method", "random", "--flips", "100%", "--members", "opt"}
	r := runCLI(t, "", append([]string{"flip", in, "-o", filepath.Join(dir, "out.csv")}, args...)...)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if want := fmt.Sprintf("collective %d (members marked in opt)", members); !strings.Contains(r.stderr, want) {
		t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
	}
	if want := `--members opt: a member's cell is 1, true, yes or y (any case) or a number equal to 1; these values were read as not a member: "" (`; !strings.Contains(r.stderr, want) || !strings.Contains(r.stderr, `"0.5" (`) || !strings.Contains(r.stderr, `"no" (`) {
		t.Errorf("stderr lacks the non-member notice:\n%s", r.stderr)
	}

	duckdb.Require(t)
	pq := filepath.Join(dir, "in.parquet")
	if _, err := duckdb.Query(fmt.Sprintf(`COPY (SELECT i AS x, CASE WHEN i %% 2 = 0 THEN 'min' ELSE 'maj' END AS g, CASE WHEN i = 41 THEN 1 ELSE 0 END::INTEGER AS y, CASE WHEN i %% 4 = 0 THEN 1.00 ELSE 0.00 END::DECIMAL(5,2) AS opt FROM range(48) t(i)) TO %s (FORMAT parquet)`, duckdb.Quote(pq))); err != nil {
		t.Fatal(err)
	}
	r = runCLI(t, "", append([]string{"flip", pq, "-o", filepath.Join(dir, "out.parquet")}, args...)...)
	if r.code != 0 {
		t.Fatalf("Parquet: exit %d: %s", r.code, r.stderr)
	}
	if !strings.Contains(r.stderr, "collective 12 (members marked in opt)") || !strings.Contains(r.stderr, "flipped 12") || !strings.Contains(r.stderr, `read as not a member: "0.00" (36 rows)`) {
		t.Errorf("Parquet DECIMAL members:\n%s", r.stderr)
	}
}

// TestTypingMistakes: flag values that can only be typing mistakes are
// refused before any work (exit 2, one line, nothing written): an empty
// list or an empty item in a list of columns, values or grid points, an
// empty label value, a header read as data because of --no-header; and
// --where that leaves no row says so (exit 3).
func TestTypingMistakes(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	in := writeFile(t, dir, "in.csv", small)
	out := filepath.Join(dir, "out.csv")
	base := []string{"--sensitive", "g", "--minority", "min", "--label", "y", "--positive", "1"}
	sim := append([]string{"sweep", in, "--test", in, "--runs", "1"}, base...)
	cases := []struct {
		args []string
		code int
		msg  string
	}{
		{append([]string{"flip", in, "-o", out, "--features", ""}, base...), exitUsage, "--features is empty"},
		{append([]string{"flip", in, "-o", out, "--exclude", " "}, base...), exitUsage, "--exclude is empty"},
		{append([]string{"flip", in, "-o", out, "--features", "x,"}, base...), exitUsage, `--features "x,": an empty item`},
		{append([]string{"flip", in, "-o", out, "--categorical", "x,,id"}, base...), exitUsage, `--categorical "x,,id": an empty item`},
		{[]string{"flip", in, "-o", out, "--sensitive", ",g", "--minority", "min", "--label", "y", "--positive", "1"}, exitUsage, `--sensitive ",g": an empty item`},
		{[]string{"flip", in, "-o", out, "--sensitive", "g", "--minority", "min", "--label", "y", "--positive", ""}, exitUsage, `--positive "": fairflip reads "" as a missing label, not a label value`},
		{append([]string{"flip", in, "-o", out, "--negative", " "}, base...), exitUsage, `--negative "": fairflip reads "" as a missing label, not a label value`},
		{append([]string{"flip", in, "-o", out, "--no-header", "--header-names", "id,x,g,y"}, base...), exitUsage, "the first record is the --header-names (id,x,g,y): the file has a header"},
		{append([]string{"flip", in, "-o", out, "--no-header", "--header-names", "id,x,,y"}, base...), exitUsage, `--header-names "id,x,,y": an empty item`},
		{append(sim, "--alpha", "0.1,"), exitUsage, `--alpha "0.1,": an empty item`},
		{append(sim, "--flips", ""), exitUsage, "--flips is empty"},
		{append(sim, "--methods", "rb-prob,,random"), exitUsage, `--methods "rb-prob,,random": an empty item`},
		{append([]string{"eval", "--train", in, "--test", in, "--where", "x<0"}, base...), exitData, "no row is left after --where (6 rows read)"},
	}
	for _, c := range cases {
		r := runCLI(t, "", c.args...)
		if r.code != c.code || r.stdout != "" {
			t.Fatalf("%q: exit %d, stdout %q, stderr %q", c.args, r.code, r.stdout, r.stderr)
		}
		oneLine(t, r.stderr, c.msg)
		if _, err := os.Stat(out); !os.IsNotExist(err) {
			t.Fatalf("%q wrote an output", c.args)
		}
	}
}

// TestFlagValueMessages: a flag value that does not parse says what the
// flag wants, in the flag's own spelling.
func TestFlagValueMessages(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		args []string
		msg  string
	}{
		{[]string{"flip", "--k", "abc"}, `fairflip: --k "abc": want a whole number`},
		{[]string{"flip", "--seed", "-1"}, `fairflip: --seed "-1": want a whole number, 0 or more`},
		{[]string{"flip", "--alpha", "half"}, `fairflip: --alpha "half": want a number`},
		{[]string{"sweep", "x", "--runs", "2.5"}, `fairflip: --runs "2.5": want a whole number`},
		{[]string{"eval", "--firm-timeout", "10"}, `fairflip: --firm-timeout "10": want a duration such as 90s, 10m or 1h30m`},
	} {
		r := runCLI(t, "", c.args...)
		if r.code != exitUsage {
			t.Fatalf("%q: exit %d: %s", c.args, r.code, r.stderr)
		}
		oneLine(t, r.stderr, c.msg)
	}
}

// TestReadOnlyOutput: an existing output that no one may write (mode 0444)
// is not replaced, though its folder would allow the rename: exit 2, the
// file as it was.
func TestReadOnlyOutput(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	in := writeFile(t, dir, "in.csv", small)
	out := writeFile(t, dir, "out.csv", "keep me\n")
	if err := os.Chmod(out, 0o444); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		append([]string{"flip", in, "-o", out}, flipArgs...),
		append([]string{"flip", in, "-o", filepath.Join(dir, "new.csv"), "--summary", out}, flipArgs...),
	} {
		r := runCLI(t, "", args...)
		if r.code != exitUsage {
			t.Fatalf("%q: exit %d: %s", args, r.code, r.stderr)
		}
		oneLine(t, r.stderr, out+" is read-only: fairflip does not replace a file that no one may write")
	}
	assertDir(t, dir, map[string][]byte{"in.csv": []byte(small), "out.csv": []byte("keep me\n")})
}

// TestEndlessDevices: /dev/zero (as INPUT, or on standard input) is refused
// at once (exit 2) rather than copied to $TMPDIR until the disk is full;
// /dev/null is an empty table (exit 3).
func TestEndlessDevices(t *testing.T) {
	t.Parallel()
	r := runCLI(t, "", append([]string{"flip", "/dev/zero"}, flipArgs...)...)
	if r.code != exitUsage {
		t.Fatalf("/dev/zero: exit %d: %s", r.code, r.stderr)
	}
	oneLine(t, r.stderr, "/dev/zero is a character device, not a table")
	zero, err := os.Open("/dev/zero")
	if err != nil {
		t.Skip(err)
	}
	defer zero.Close()
	var out, errb strings.Builder
	code := env{stdin: zero, stdout: &out, stderr: &errb}.runLocked(context.Background(), append([]string{"fairflip", "flip"}, flipArgs...))
	if code != exitUsage || out.Len() != 0 {
		t.Fatalf("< /dev/zero: exit %d: %s", code, errb.String())
	}
	oneLine(t, errb.String(), "standard input is a character device, not a table")
	if r := runCLI(t, "", append([]string{"flip", "/dev/null"}, flipArgs...)...); r.code != exitData {
		t.Fatalf("/dev/null: exit %d: %s", r.code, r.stderr)
	}
}
