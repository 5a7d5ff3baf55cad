package tableio

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// convertFile converts the file at path (of format from) to format to.
func convertFile(t testing.TB, path string, from, to Format, ro ReadOptions, rowGroupRows int) ([]byte, error) {
	t.Helper()
	var out bytes.Buffer
	err := Convert(context.Background(), Source{Path: path}, from, ro, to, &out, WriteOptions{RowGroupRows: rowGroupRows})
	return out.Bytes(), err
}

func writeTemp(t testing.TB, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestConvertRoundTrip converts CSV to Parquet and back: types are the
// narrowest that keep every value, and the table comes back.
func TestConvertRoundTrip(t *testing.T) {
	t.Parallel()
	in := "id,zip,x,flag,name\n1,007,1.5,true,a\n2,123,,false,\"b, c\"\n3,,2e3,TRUE,\n"
	pq, err := convertFile(t, writeTemp(t, "t.csv", []byte(in)), CSV, Parquet, ReadOptions{Dialect: Dialect{Header: true}}, 2)
	if err != nil {
		t.Fatal(err)
	}
	p, err := OpenParquet(bytes.NewReader(pq), int64(len(pq)), "t.parquet")
	if err != nil {
		t.Fatal(err)
	}
	if got := p.RowGroupSizes(); len(got) != 2 || got[0] != 2 || got[1] != 1 {
		t.Fatalf("row groups %v, want [2 1]", got)
	}
	var types []string
	for _, c := range p.Columns() {
		types = append(types, c.Name+":"+c.Type)
	}
	want := []string{"id:INT64", "zip:BYTE_ARRAY (STRING)", "x:DOUBLE", "flag:BOOLEAN", "name:BYTE_ARRAY (STRING)"}
	for i := range want {
		if !strings.HasPrefix(types[i], want[i]) {
			t.Fatalf("column types %v, want %v", types, want)
		}
	}
	out, err := convertFile(t, writeTemp(t, "t.parquet", pq), Parquet, CSV, ReadOptions{}, 0)
	if err != nil {
		t.Fatal(err)
	}
	wantCSV := "id,zip,x,flag,name\n1,007,1.5,true,a\n2,123,,false,\"b, c\"\n3,,2000,true,\n"
	if string(out) != wantCSV {
		t.Fatalf("back to CSV:\n%s\nwant\n%s", out, wantCSV)
	}
	tsv, err := convertFile(t, writeTemp(t, "t.csv", []byte(wantCSV)), CSV, TSV, ReadOptions{Dialect: Dialect{Header: true}}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if want := strings.ReplaceAll(strings.ReplaceAll(wantCSV, ",", "\t"), "\"b\t c\"", "b, c"); string(tsv) != want {
		t.Fatalf("CSV to TSV:\n%q\nwant\n%q", tsv, want)
	}
}

// TestConvertErrors: an empty file has no table, and a nested column
// cannot be written; both are bad data.
func TestConvertErrors(t *testing.T) {
	_, err := convertFile(t, writeTemp(t, "e.csv", nil), CSV, Parquet, ReadOptions{Dialect: Dialect{Header: true}}, 0)
	if !errors.Is(err, ErrMalformed) {
		t.Fatalf("empty CSV: %v, want ErrMalformed", err)
	}
	_, err = convertFile(t, filepath.Join("..", "testdata", "parquet", "duckdb_nested.parquet"), Parquet, CSV, ReadOptions{}, 0)
	if !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), "nested or repeated") {
		t.Fatalf("nested Parquet: %v, want ErrMalformed", err)
	}
	_, err = convertFile(t, filepath.Join(t.TempDir(), "missing.csv"), CSV, Parquet, ReadOptions{}, 0)
	if !errors.Is(err, ErrIO) {
		t.Fatalf("missing file: %v, want ErrIO", err)
	}
}
