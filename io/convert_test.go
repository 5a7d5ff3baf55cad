package tableio

import (
	"bytes"
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"
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

// An unsigned 64-bit Parquet column goes through a conversion as its
// digits: values past an INT64's range were written as 2^63 − 1.
func TestConvertUint64(t *testing.T) {
	t.Parallel()
	type row struct {
		U uint64 `parquet:"u"`
		S string `parquet:"s"`
	}
	var b bytes.Buffer
	if err := parquet.Write(&b, []row{{math.MaxUint64, "a"}, {1<<63 + 5, "b"}, {7, "c"}}); err != nil {
		t.Fatal(err)
	}
	want := "u,s\n18446744073709551615,a\n9223372036854775813,b\n7,c\n"
	for _, to := range []Format{Parquet, JSONL} {
		out, err := convertFile(t, writeTemp(t, "u.parquet", b.Bytes()), Parquet, to, ReadOptions{}, 0)
		if err != nil {
			t.Fatal(err)
		}
		back, err := convertFile(t, writeTemp(t, "v."+string(to), out), to, CSV, ReadOptions{}, 0)
		if err != nil {
			t.Fatal(err)
		}
		if string(back) != want {
			t.Errorf("through %s: %q, want %q", to, back, want)
		}
	}
}
