// Package testdata finds the real fairness data sets that tests use. They
// live outside the repository, in ../shared/data beside the checkout (or
// where $FAIRFLIP_DATA points).
package testdata

import (
	"os"
	"path/filepath"
	"testing"
)

// Dir returns the data directory. When it cannot be found the test is
// skipped on a developer's machine, and fails under CI (CI=true), where the
// data must be present.
func Dir(t testing.TB) string {
	t.Helper()
	if d := os.Getenv("FAIRFLIP_DATA"); d != "" {
		return d
	}
	wd, err := os.Getwd()
	if err == nil {
		for dir := wd; ; dir = filepath.Dir(dir) {
			cand := filepath.Join(dir, "..", "shared", "data")
			if st, err := os.Stat(filepath.Join(cand, "adult", "adult.data")); err == nil && !st.IsDir() {
				return filepath.Clean(cand)
			}
			if filepath.Dir(dir) == dir {
				break
			}
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("the real data sets (../shared/data beside the checkout, or $FAIRFLIP_DATA) are missing")
	}
	t.Skip("real data sets not found: set FAIRFLIP_DATA to the folder that holds adult/ and compas/")
	return ""
}

// Path returns the path of a file in the data directory.
func Path(t testing.TB, rel string) string {
	return filepath.Join(Dir(t), rel)
}

// AdultColumns are the column names of UCI Adult (adult.names).
const AdultColumns = "age,workclass,fnlwgt,education,education-num,marital-status,occupation,relationship,race,sex,capital-gain,capital-loss,hours-per-week,native-country,income"
