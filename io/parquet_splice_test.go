package tableio

import (
	"bytes"
	"testing"
)

// pqSpliceToo rewrites data by splicing, and checks it against the row-wise
// rewrite's output want and error wantErr: on a valid input, both succeed
// and the outputs hold the same rows, row groups and key/value metadata;
// on a corrupt one, the splice may succeed where the row-wise rewrite fails
// (a page it copies is not decoded), but its output then passes
// VerifyParquetRewrite. Either way, a success has copied or encoded every
// chunk.
func pqSpliceToo(t *testing.T, what string, data []byte, corrupt bool, rw func(p *ParquetFile) ParquetRewrite, want []byte, wantErr error) {
	t.Helper()
	p, err := OpenParquet(bytes.NewReader(data), int64(len(data)), "test.parquet")
	if err != nil {
		if wantErr == nil && !corrupt {
			t.Errorf("%s, splice: %v", what, err)
		}
		return
	}
	if !(&parquetRewriter{p: p}).spliceable() {
		t.Fatalf("%s: the file cannot be spliced", what)
	}
	var out bytes.Buffer
	err = RewriteParquet(p, &out, rw(p))
	if err != nil {
		if wantErr == nil && !corrupt {
			t.Errorf("%s, splice: %v; row-wise: no error", what, err)
		}
		return
	}
	if p.copied == nil {
		t.Errorf("%s: the rewrite did not splice", what)
	}
	q, err := OpenParquet(bytes.NewReader(out.Bytes()), int64(out.Len()), "out.parquet")
	if err == nil {
		err = VerifyParquetRewrite(p, q, rw(p))
	}
	if err != nil {
		t.Errorf("%s, splice: the check of the rewrite fails: %v", what, err)
		return
	}
	if corrupt {
		return
	}
	if wantErr != nil {
		t.Errorf("%s, splice: no error; row-wise: %v", what, wantErr)
		return
	}
	pqSameRows(t, pqRead(t, want), pqRead(t, out.Bytes()))
}

// pqSameRows checks that b holds a's rows, row groups and key/value
// metadata (pqSame without the schema's text, which the splice keeps as
// the input has it).
func pqSameRows(t *testing.T, a, b pqContent) {
	t.Helper()
	a.schema, b.schema = "", ""
	pqSame(t, a, b)
}
