package main

import (
	"testing"
)

// Refusals found while matching the configuration to a table's columns are
// transform.ConfigErrors naming fields; the command line words them with
// its flags, exactly as before they were ConfigErrors (exit 2).
func TestColumnConfigMessages(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	in := writeFile(t, dir, "t.csv", "a,g,y\n1,x,0\n2,z,1\n3,x,1\n4,z,0\n")
	ref := writeFile(t, dir, "ref.csv", "a,y\n1,0\n")
	audited := writeFile(t, dir, "a.csv", "a,g,y,fairflip_audit\n1,x,0,\n")
	flip := []string{"flip", "--minority", "x", "--positive", "1", "--method", "random", "--flips", "1", "-q"}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{in, "--sensitive", "y", "--label", "y"}, "fairflip: --sensitive y is also given as --label\n"},
		{[]string{in, "--sensitive", "g", "--label", "y", "--members", "y"}, "fairflip: --members y is also given as --label\n"},
		{[]string{in, "--sensitive", "g", "--label", "y", "--features", "g"}, "fairflip: --features g: that column is --sensitive, not a feature\n"},
		{[]string{audited, "--sensitive", "g", "--label", "y", "--audit-column", "y", "--replace-audit"}, "fairflip: the audit column \"y\" is also given as --label\n"},
		{[]string{in, "--sensitive", "g", "--label", "y", "--no-header", "--header-names", "a,g"}, "fairflip: --header-names gives 2 names, but " + in + " has 3 columns (line 1)\n"},
		{[]string{in, "--sensitive", "g", "--label", "y", "--method", "rb-prob", "--flips", "auto", "--reference", ref}, "fairflip: --reference " + ref + " has no column \"g\", the input's sensitive column; the reference needs the label, sensitive and feature columns, by name (in any order)\n"},
	} {
		r := runCLI(t, "", append(append([]string{}, flip...), c.args...)...)
		if r.code != 2 || r.stderr != c.want {
			t.Errorf("%v: exit %d, stderr %q; want exit 2, %q", c.args, r.code, r.stderr, c.want)
		}
	}
}
