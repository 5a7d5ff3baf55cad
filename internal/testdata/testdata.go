// Package testdata finds the real fairness data sets that tests use. They
// live outside the repository, in ../shared/data beside the checkout (or
// where $FAIRFLIP_DATA points); UCI Adult is also shipped in the
// repository, gzip-compressed (Shipped).
package testdata

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	tableio "github.com/fairflip/fairflip/io"
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

// Shipped returns the path of a file in the repository's own testdata
// folder ("adult/adult.data.gz"), found from the working directory up (a
// package's folder, in either module). Unlike Path, it never skips: the
// files are part of every checkout.
func Shipped(t testing.TB, rel string) string {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for dir := wd; ; dir = filepath.Dir(dir) {
		p := filepath.Join(dir, "testdata", filepath.FromSlash(rel))
		if _, err := os.Stat(filepath.Join(dir, "testdata", "adult", "SOURCE.md")); err == nil {
			return p
		}
		if filepath.Dir(dir) == dir {
			break
		}
	}
	t.Fatalf("the repository's testdata/adult (with SOURCE.md) is not above %s", wd)
	return ""
}

// The UCI Adult files shipped in the repository (testdata/adult/SOURCE.md):
// gzip-compressed, read as they are. adult.test's first line is not a row
// (--skip-lines 1, or --comment '|').
const (
	AdultDataGz = "adult/adult.data.gz"
	AdultTestGz = "adult/adult.test.gz"
)

// AdultColumns are the column names of UCI Adult (adult.names).
const AdultColumns = "age,workclass,fnlwgt,education,education-num,marital-status,occupation,relationship,race,sex,capital-gain,capital-loss,hours-per-week,native-country,income"

// CSVToParquet converts a CSV table with a header to Parquet with the
// project's own converter (tableio.Convert), in row groups of rowGroupRows
// rows.
func CSVToParquet(t testing.TB, csv string, rowGroupRows int) []byte {
	t.Helper()
	p := filepath.Join(t.TempDir(), "t.csv")
	if err := os.WriteFile(p, []byte(csv), 0o644); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	ro := tableio.ReadOptions{Dialect: tableio.Dialect{Header: true}}
	if err := tableio.Convert(context.Background(), tableio.Source{Path: p}, tableio.CSV, ro, tableio.Parquet, &buf, tableio.WriteOptions{RowGroupRows: rowGroupRows}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
