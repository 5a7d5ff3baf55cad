package tableio

import (
	"bytes"
	"io"
	"strings"
	"testing"
)

// TestConvertRoundTrip converts CSV to Parquet and back: types are the
// narrowest that keep every value, and the table comes back.
func TestConvertRoundTrip(t *testing.T) {
	t.Parallel()
	in := "id,zip,x,flag,name\n1,007,1.5,true,a\n2,123,,false,\"b, c\"\n3,,2e3,TRUE,\n"
	open := func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(in)), nil }
	var pq bytes.Buffer
	if err := ConvertCSVToParquet(open, "t.csv", Dialect{Header: true}, nil, &pq, 2); err != nil {
		t.Fatal(err)
	}
	p, err := OpenParquet(bytes.NewReader(pq.Bytes()), int64(pq.Len()), "t.parquet")
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
	var out bytes.Buffer
	if err := ConvertParquetToCSV(p, &out, ','); err != nil {
		t.Fatal(err)
	}
	wantCSV := "id,zip,x,flag,name\n1,007,1.5,true,a\n2,123,,false,\"b, c\"\n3,,2000,true,\n"
	if out.String() != wantCSV {
		t.Fatalf("back to CSV:\n%s\nwant\n%s", out.String(), wantCSV)
	}
}
