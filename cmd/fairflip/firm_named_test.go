package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestFirmNameErrors: an unknown --firm is a usage error listing the
// names; --firm with --firm-cmd is a usage error; nothing on stdout.
func TestFirmNameErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	train, test := firmFiles(t, dir)
	eval := append([]string{"eval", "--train", train, "--test", test}, firmGroups...)
	sweep := append([]string{"sweep", train, "--test-split", "0.3", "--runs", "1", "--flips", "0"}, firmGroups...)
	for _, c := range []struct {
		args []string
		want string
	}{
		{append(eval[:len(eval):len(eval)], "--firm", "svm"), `fairflip: --firm "svm": want one of logreg, hgb, mlp, rf, xgb`},
		{append(sweep[:len(sweep):len(sweep)], "--firm", "gbm"), `fairflip: --firm "gbm": want one of logreg, hgb, mlp, rf, xgb`},
		{append(eval[:len(eval):len(eval)], "--firm", "hgb", "--firm-cmd", "true"), "fairflip: give --firm or --firm-cmd, not both"},
		{append(sweep[:len(sweep):len(sweep)], "--firm", "logreg", "--firm-cmd", "true"), "fairflip: give --firm or --firm-cmd, not both"},
	} {
		r := runGuarded(t, c.args...)
		if r.code != exitUsage {
			t.Errorf("%v: exit %d, want %d: %s", c.args, r.code, exitUsage, r.stderr)
			continue
		}
		oneLine(t, r.stderr, c.want)
		if r.stdout != "" {
			t.Errorf("%v: stdout %q", c.args, r.stdout)
		}
	}
}

// TestFirmNameSweep: sweep --firm hgb runs the embedded script (this
// test's folder has no firm.py) and names the model with its
// hyper-parameters on stdout and in FILE.summary.json.
func TestFirmNameSweep(t *testing.T) {
	t.Parallel()
	if err := exec.Command("/usr/bin/python3", "-c", "import sklearn").Run(); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("scikit-learn is not installed for /usr/bin/python3 (.ci/run installs python3-sklearn)")
		}
		t.Skip("scikit-learn is not installed for /usr/bin/python3")
	}
	dir := t.TempDir()
	train, _ := firmFiles(t, dir)
	out := filepath.Join(dir, "res.csv")
	args := append([]string{"sweep", train, "--test-split", "0.3", "--methods", "rb-prob", "--alpha", "0.5", "--flips", "0,5", "--runs", "1", "-q", "--firm", "hgb", "-o", out}, firmGroups...)
	r := runGuarded(t, args...)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	const model = "hgb, scikit-learn HistGradientBoostingClassifier(max_iter=100, learning_rate=0.1, max_leaf_nodes=31, min_samples_leaf=20, early_stopping=False, random_state=0)"
	if !strings.Contains(r.stdout, "; firm: "+model+"; ") {
		t.Errorf("stdout does not name the firm %q:\n%s", model, r.stdout)
	}
	b, err := os.ReadFile(filepath.Join(dir, "res.summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	var s struct {
		Model string `json:"model"`
	}
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	if s.Model != model {
		t.Errorf("summary.json model %q, want %q", s.Model, model)
	}
}
