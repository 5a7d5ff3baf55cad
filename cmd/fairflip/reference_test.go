package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestReferenceFileByName: --reference is read by column name. The same rows
// with the columns in another order, or with extra columns, flip exactly
// what the reference in the input's order flips; a reference without a
// column the flip reads is exit 2 naming the column, with nothing written.
func TestReferenceFileByName(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	table := bigCSV(300) // id,x,g,y
	in := writeFile(t, dir, "in.csv", table)
	var ordered, shuffled, extra, missing strings.Builder
	for i, line := range strings.Split(strings.TrimSuffix(bigCSV(200), "\n"), "\n") {
		c := strings.Split(line, ",") // id x g y
		ordered.WriteString(line + "\n")
		shuffled.WriteString(strings.Join([]string{c[3], c[1], c[0], c[2]}, ",") + "\n")
		e := "note"
		if i > 0 {
			e = "n" + c[0]
		}
		extra.WriteString(strings.Join([]string{c[0], e, c[1], c[2], c[3]}, ",") + "\n")
		missing.WriteString(strings.Join([]string{c[0], c[2], c[3]}, ",") + "\n")
	}
	refs := map[string]string{}
	for name, b := range map[string]*strings.Builder{"ordered.csv": &ordered, "shuffled.csv": &shuffled, "extra.csv": &extra, "missing.csv": &missing} {
		refs[name] = writeFile(t, dir, name, b.String())
	}
	args := []string{"--sensitive", "g", "--minority", "min", "--label", "y", "--positive", "1", "--alpha", "0.8", "--flips", "20", "--exclude", "id", "-q"}
	for _, m := range []string{"rb-prob", "rb-label", "rb-dist"} {
		want := runCLI(t, "", append([]string{"flip", in, "--method", m, "--reference", refs["ordered.csv"]}, args...)...)
		if want.code != 0 {
			t.Fatalf("%s: %s", m, want.stderr)
		}
		for _, ref := range []string{"shuffled.csv", "extra.csv"} {
			got := runCLI(t, "", append([]string{"flip", in, "--method", m, "--reference", refs[ref]}, args...)...)
			if got.code != 0 || got.stdout != want.stdout {
				t.Errorf("%s with %s: exit %d (%s); same output as the ordered reference: %v", m, ref, got.code, got.stderr, got.stdout == want.stdout)
			}
		}
	}
	out := filepath.Join(dir, "out.csv")
	r := runCLI(t, "", append([]string{"flip", in, "-o", out, "--method", "rb-label", "--reference", refs["missing.csv"]}, args...)...)
	if r.code != exitUsage || r.stdout != "" {
		t.Fatalf("missing column: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	oneLine(t, r.stderr, `--reference `+refs["missing.csv"]+` has no column "x", the input's feature column`)
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("an output was written")
	}
}
