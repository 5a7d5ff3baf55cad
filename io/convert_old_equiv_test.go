package tableio

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// TestConvertSameAsOld: the generic conversion writes what the pairwise
// functions wrote.
func TestConvertSameAsOld(t *testing.T) {
	csvs, _ := filepath.Glob("../testdata/cli/*/in*.csv")
	csvs = append(csvs, writeTemp(t, "t.csv", []byte("id,zip,x,flag,name\n1,007,1.5,true,a\n2,123,,false,\"b, c\"\n3,,2e3,TRUE,\n")))
	for _, p := range csvs {
		data, _ := os.ReadFile(p)
		open := func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }
		for _, rg := range []int{0, 2} {
			var old bytes.Buffer
			oerr := ConvertCSVToParquet(open, p, Dialect{Header: true}, nil, &old, rg)
			nw, nerr := convertFile(t, p, CSV, Parquet, ReadOptions{Dialect: Dialect{Header: true}}, rg)
			if (oerr == nil) != (nerr == nil) || !bytes.Equal(old.Bytes(), nw) {
				t.Errorf("%s: old %v (%d bytes), new %v (%d bytes)", p, oerr, old.Len(), nerr, len(nw))
			}
			if oerr != nil {
				continue
			}
			pq := writeTemp(t, "x.parquet", nw)
			f, _ := os.Open(pq)
			st, _ := f.Stat()
			pf, err := OpenParquet(f, st.Size(), pq)
			if err != nil {
				t.Fatal(err)
			}
			var oc bytes.Buffer
			oerr = ConvertParquetToCSV(pf, &oc, ',')
			nc, nerr := convertFile(t, pq, Parquet, CSV, ReadOptions{}, 0)
			f.Close()
			if (oerr == nil) != (nerr == nil) || !bytes.Equal(oc.Bytes(), nc) {
				t.Errorf("%s back: old %v, new %v", p, oerr, nerr)
			}
		}
	}
	pqs, _ := filepath.Glob("../testdata/parquet/*.parquet")
	for _, p := range pqs {
		f, _ := os.Open(p)
		st, _ := f.Stat()
		pf, err := OpenParquet(f, st.Size(), p)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range []byte{',', '\t'} {
			to := CSV
			if d == '\t' {
				to = TSV
			}
			var oc bytes.Buffer
			oerr := ConvertParquetToCSV(pf, &oc, d)
			nc, nerr := convertFile(t, p, Parquet, to, ReadOptions{}, 0)
			if (oerr == nil) != (nerr == nil) || !bytes.Equal(oc.Bytes(), nc) {
				t.Errorf("%s: old %v, new %v", p, oerr, nerr)
			}
			t.Logf("%s %q: %d bytes, %v", p, d, len(nc), nerr)
		}
		f.Close()
	}
}
