package sweep

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fairflip/fairflip/firms"
	"github.com/fairflip/fairflip/internal/fferr"
)

// needModule skips the test when /usr/bin/python3 cannot import module,
// except under CI, where .ci/run installs it and the test fails instead.
func needModule(t *testing.T, module, pkg string) {
	t.Helper()
	if err := exec.Command(firms.Python, "-c", "import "+module).Run(); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s cannot import %s (.ci/run installs %s)", firms.Python, module, pkg)
		}
		t.Skipf("%s cannot import %s (install %s)", firms.Python, module, pkg)
	}
}

// TestReadyFirms trains each ready firm on German credit (1,000 rows) and
// tests it on the same rows: each learns (its training error is below the
// 30% of the bad-credit rows, what a constant firm gets), is described
// with its fixed hyper-parameters, and gives the same predictions on a
// second fit (fixed seeds). The script is embedded: the test runs in
// sweep/, where no firm.py is.
func TestReadyFirms(t *testing.T) {
	t.Parallel()
	data := loadOne(t, germanOptions(), "german/german.data")
	for _, name := range firms.Names()[1:] {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			spec, _ := firms.Lookup(name)
			needModule(t, map[string]string{"python3-sklearn": "sklearn", "python3-xgboost": "xgboost"}[spec.Package], spec.Package)
			cfg := Config{Options: germanOptions(), Firm: name}
			var reps [2]struct {
				err, eqod float64
			}
			for i := range reps {
				rep, desc, err := Evaluate(context.Background(), cfg, data, data)
				if err != nil {
					t.Fatal(err)
				}
				if desc != name+", "+spec.Model || !strings.Contains(desc, "random_state=0") {
					t.Errorf("described as %q", desc)
				}
				if rep.N != 1000 || !(rep.Error < 0.25) {
					t.Errorf("n %d, training error %v: want 1000 rows and an error below 0.25", rep.N, rep.Error)
				}
				reps[i].err, reps[i].eqod = rep.Error, rep.EqOdMean
			}
			if reps[0] != reps[1] {
				t.Errorf("two fits on the same labels differ: %+v", reps)
			}
		})
	}
}

// TestReadyFirmMissingModule: when /usr/bin/python3 cannot import the
// firm's module, the fit fails (exit 3, the external-firm rule) with a
// message naming the Debian package to install. A package on PYTHONPATH
// that raises ModuleNotFoundError stands in for a missing xgboost.
func TestReadyFirmMissingModule(t *testing.T) {
	if _, err := os.Stat(firms.Python); err != nil {
		t.Skipf("no %s", firms.Python)
	}
	fake := filepath.Join(t.TempDir(), "xgboost")
	if err := os.Mkdir(fake, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(fake, "__init__.py"), []byte("raise ModuleNotFoundError(\"No module named 'xgboost'\", name='xgboost')\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PYTHONPATH", filepath.Dir(fake))
	data := loadOne(t, germanOptions(), "german/german.data")
	_, _, err := Evaluate(context.Background(), Config{Options: germanOptions(), Firm: "xgb"}, data, data)
	if !errors.Is(err, fferr.ErrData) {
		t.Fatalf("error %v, want a data error (exit 3)", err)
	}
	for _, want := range []string{"--firm xgb failed", "needs the Python module xgboost", "apt-get install -y python3-xgboost"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
}

// TestFirmFlagChecks: an unknown --firm lists the names; --firm with
// --firm-cmd, and reweighing with a ready external firm, are usage errors.
func TestFirmFlagChecks(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		cfg  Config
		want string
	}{
		{Config{Firm: "svm"}, `--firm "svm": want one of logreg, hgb, mlp, rf, xgb`},
		{Config{Firm: "hgb", FirmCmd: "true"}, "give --firm or --firm-cmd, not both"},
		{Config{Firm: "logreg", FirmCmd: "true"}, "give --firm or --firm-cmd, not both"},
		{Config{Firm: "rf", Baselines: []string{BaselineReweighing}}, "cannot take row weights"},
	} {
		c.cfg.Runs, c.cfg.Flips = 1, []string{"0"}
		err := c.cfg.Check(true)
		if !errors.Is(err, fferr.ErrUsage) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want a usage error saying %q", c.cfg, err, c.want)
		}
	}
	for _, name := range []string{"", "logreg", "hgb"} {
		cfg := Config{Firm: name, Runs: 1, Flips: []string{"0"}}
		if err := cfg.Check(true); err != nil {
			t.Errorf("--firm %q: %v", name, err)
		}
	}
}
