package main

import (
	"strings"
	"testing"

	"github.com/fairflip/fairflip/scorer"
)

// TestMethodsFromRegistry: the command line offers exactly the
// registered methods: flip's --method help shows each with its help line,
// sweep's --methods defaults to all of them in order, --k names the
// methods that use it, and another name is a usage error that lists them.
func TestMethodsFromRegistry(t *testing.T) {
	t.Parallel()
	flip := runCLI(t, "", "flip", "--help").stdout
	for _, m := range scorer.Methods() {
		if !strings.Contains(flip, m.Name+", "+m.Help) {
			t.Errorf("flip --help does not show %s with its help %q", m.Name, m.Help)
		}
	}
	if !strings.Contains(flip, "neighbours for rb-label and rb-dist (default: 10)") {
		t.Error("flip --help: --k does not name the methods that use it")
	}
	sweep := runCLI(t, "", "sweep", "--help").stdout
	if want := `(default: "` + strings.Join(scorer.Names(), ",") + `")`; !strings.Contains(sweep, "--methods METHODS") || !strings.Contains(sweep, want) {
		t.Errorf("sweep --help: --methods does not default to %s", want)
	}
	dir := t.TempDir()
	in := writeFile(t, dir, "in.csv", small)
	r := runCLI(t, "", "flip", in, "-o", dir+"/out.csv", "--sensitive", "g", "--minority", "min", "--label", "y", "--positive", "1", "--method", "rb-nothing")
	if r.code != 2 || !strings.Contains(r.stderr, `--method "rb-nothing": want one of rb-prob, rb-label, rb-dist, random`) {
		t.Errorf("an unknown method: exit %d, %q", r.code, r.stderr)
	}
}
