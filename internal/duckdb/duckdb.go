// Package duckdb runs SQL with DuckDB, a second engine that tests use to check
// fairflip's Parquet files: that what fairflip writes DuckDB reads, and that
// what DuckDB writes fairflip reads.
//
// DuckDB comes from the npm package @duckdb/node-api, installed in
// tools/duckdb/node_modules by tools/duckdb/install.sh (.ci/run calls it). Each
// Query starts `node tools/duckdb/query.mjs` with the SQL on its standard input,
// on a fresh in-memory database, and decodes the JSON it prints; see
// query.mjs for how each DuckDB type is written. Relative file paths in the
// SQL are relative to the working directory of the test (its package
// directory); pass absolute paths, quoted with Quote, to be safe.
package duckdb

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// Result is the result set of the last statement of a Query. A statement
// without a result set (COPY, SET, CREATE ...) gives no columns and no rows.
type Result struct {
	Columns []Column `json:"columns"`
	// Rows holds the values as decoded from query.mjs's JSON: string,
	// float64, bool or nil, and []any / map[string]any for LIST, STRUCT and
	// MAP values. BIGINT, UBIGINT, HUGEINT and DECIMAL values are strings of
	// the exact value; DATE is "YYYY-MM-DD", TIMESTAMP "YYYY-MM-DD
	// HH:MM:SS[.ffffff]"; BLOB is a lower-case hex string; a NaN or infinite
	// double is the string "NaN", "Infinity" or "-Infinity".
	Rows [][]any `json:"rows"`
}

// Column is a result column: its name and DuckDB's type string, such as
// "INTEGER", "DECIMAL(9,2)", "VARCHAR[]" or "ENUM('a', 'b')".
type Column struct {
	Name string `json:"name"`
	Type string `json:"type"`
}

// Col returns the index of the column with this name, or -1.
func (r *Result) Col(name string) int {
	for i, c := range r.Columns {
		if c.Name == name {
			return i
		}
	}
	return -1
}

var (
	rootOnce sync.Once
	rootDir  string
	rootErr  error

	availOnce sync.Once
	availErr  error
)

// repoRoot walks up from the working directory to the folder holding go.mod.
func repoRoot() (string, error) {
	rootOnce.Do(func() {
		wd, err := os.Getwd()
		if err != nil {
			rootErr = err
			return
		}
		for dir := wd; ; dir = filepath.Dir(dir) {
			if st, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil && !st.IsDir() {
				rootDir = dir
				return
			}
			if filepath.Dir(dir) == dir {
				break
			}
		}
		rootErr = fmt.Errorf("no go.mod in %s or any folder above it", wd)
	})
	return rootDir, rootErr
}

// toolDir returns the repository's tools/duckdb folder.
func toolDir() (string, error) {
	root, err := repoRoot()
	if err != nil {
		return "", err
	}
	return filepath.Join(root, "tools", "duckdb"), nil
}

// check finds node and the installed package and runs a trivial query.
func check() error {
	if _, err := exec.LookPath("node"); err != nil {
		return errors.New("node is not on PATH")
	}
	dir, err := toolDir()
	if err != nil {
		return err
	}
	pkg := filepath.Join(dir, "node_modules", "@duckdb", "node-api", "package.json")
	if _, err := os.Stat(pkg); err != nil {
		return fmt.Errorf("@duckdb/node-api is not installed in %s (run tools/duckdb/install.sh)", dir)
	}
	r, err := Query("SELECT 42 AS answer")
	if err != nil {
		return err
	}
	if len(r.Rows) != 1 || len(r.Rows[0]) != 1 || r.Rows[0][0] != float64(42) {
		return fmt.Errorf("DuckDB answered SELECT 42 with %v", r.Rows)
	}
	return nil
}

// availability returns why DuckDB cannot run, or nil. Cached.
func availability() error {
	availOnce.Do(func() { availErr = check() })
	return availErr
}

// Available reports whether node and the installed @duckdb/node-api can run
// (tools/duckdb/node_modules is present and a trivial query works). The
// answer is cached for the life of the process.
func Available() bool {
	return availability() == nil
}

// Require skips the test when DuckDB cannot run, except under CI (the
// environment variable CI is non-empty), where it fails the test: .ci/run
// installs DuckDB, so its absence there is a bug.
func Require(t testing.TB) {
	t.Helper()
	err := availability()
	if err == nil {
		return
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("DuckDB is required under CI but cannot run: %v", err)
	}
	t.Skipf("DuckDB not available (%v); run tools/duckdb/install.sh", err)
}

// Query runs sql (one or more statements separated by ";") on a fresh
// in-memory DuckDB and returns the result of the last statement. A failing
// statement gives an error holding DuckDB's message.
func Query(sql string) (*Result, error) {
	dir, err := toolDir()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command("node", filepath.Join(dir, "query.mjs"))
	cmd.Stdin = strings.NewReader(sql)
	var stdout, stderr bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			msg = err.Error()
		}
		return nil, fmt.Errorf("duckdb: %s", msg)
	}
	var r Result
	if err := json.Unmarshal(stdout.Bytes(), &r); err != nil {
		return nil, fmt.Errorf("duckdb: decoding the output of query.mjs: %v (output %.200q)", err, stdout.String())
	}
	if r.Columns == nil {
		r.Columns = []Column{}
	}
	if r.Rows == nil {
		r.Rows = [][]any{}
	}
	return &r, nil
}

// Quote returns s as an SQL string literal: in single quotes, with each
// single quote doubled. Use it for file paths.
func Quote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}
