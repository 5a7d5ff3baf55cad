package tableio

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"
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

// pqSpliceFiles returns files to splice: parquet-go's with every kind of
// column, for each codec and page version, and DuckDB's.
func pqSpliceFiles(t *testing.T) map[string][]byte {
	files := map[string][]byte{}
	rows := pqAllRows(3000, 0) // no NaN: rows holding one are not Equal to themselves
	for _, codec := range pqCodecs {
		for _, v := range []int{1, 2} {
			files[fmt.Sprintf("%s v%d", codec.CompressionCodec(), v)] = pqAllFile(t, rows, codec, v, []int{1400, 1599, 1})
		}
	}
	for i, f := range pqRealFiles(t) {
		files[fmt.Sprintf("duckdb %d", i)] = f
	}
	return files
}

// pqSpliceFlip returns a flip of p's last flat column: the first and a
// middle non-null cell set to the value of another non-null cell (a value
// the column can hold), an audit cell for each; and the undo of that flip
// on the output (the audit column dropped, the cells set back).
func pqSpliceFlip(t *testing.T, p *ParquetFile) (flip, undo ParquetRewrite, ok bool) {
	col := -1
	for _, c := range p.Columns() {
		if c.Flat {
			col = c.Index
		}
	}
	cells := pqScan(t, p, col)
	var rows []int64
	for _, r := range []int64{0, int64(len(cells)) / 2, int64(len(cells)) - 1} {
		for ; r < int64(len(cells)) && cells[r].null; r++ {
		}
		if r < int64(len(cells)) && (len(rows) == 0 || rows[len(rows)-1] != r) {
			rows = append(rows, r)
		}
	}
	if len(rows) < 2 {
		return flip, undo, false
	}
	set, back, audit := map[int64]string{}, map[int64]string{}, map[int64]string{}
	for i, r := range rows[:len(rows)-1] {
		set[r], back[r], audit[r] = cells[rows[i+1]].text, cells[r].text, fmt.Sprint("was ", cells[r].text)
	}
	flip = ParquetRewrite{DropColumn: -1, AppendColumn: "fairflip_audit", Append: audit, Set: map[int]map[int64]string{col: set}}
	undo = ParquetRewrite{DropColumn: len(p.Columns()), Set: map[int]map[int64]string{col: back}}
	return flip, undo, true
}

// pqCopiedSame checks that every chunk the rewrite of p copied into out
// holds the input chunk's bytes, and that at least one was copied.
func pqCopiedSame(t *testing.T, what string, p *ParquetFile, in, out []byte) {
	t.Helper()
	q := pqOpen(t, out)
	n := 0
	og := 0
	for g := range p.meta.RowGroups {
		if p.rgSizes[g] == 0 {
			continue
		}
		o := 0
		for c := range p.leaves {
			if o == len(q.leaves) || q.leaves[o].name != p.leaves[c].name {
				continue // the dropped column
			}
			if p.copied[g][c] {
				n++
				a, b := chunkBounds(&p.meta.RowGroups[g].Columns[c].MetaData)
				x, y := chunkBounds(&q.meta.RowGroups[og].Columns[o].MetaData)
				if !bytes.Equal(in[a:b], out[x:y]) {
					t.Errorf("%s: row group %d, column %s: copied, but not the input's bytes", what, g, p.leaves[c].name)
				}
			}
			o++
		}
		og++
	}
	if n == 0 {
		t.Errorf("%s: nothing copied", what)
	}
}

// TestParquetSpliceFaithful: a spliced flip copies the untouched chunks as
// the input's bytes, passes the check, and holds the same rows as the
// rewrite that encodes every chunk; undoing it (spliced too) gives back the
// input's rows, schema elements and key/value metadata.
func TestParquetSpliceFaithful(t *testing.T) {
	t.Parallel()
	for name, data := range pqSpliceFiles(t) {
		p := pqOpen(t, data)
		flip, undo, ok := pqSpliceFlip(t, p)
		if !ok {
			t.Fatalf("%s: no column to flip", name)
		}
		out, p, _ := pqRewriteOK(t, name, data, parquetSeams{}, func(*ParquetFile) ParquetRewrite { return flip })
		pqCopiedSame(t, name, p, data, out)
		enc, _, _ := pqRewriteOK(t, name, data, parquetSeams{noSplice: true}, func(*ParquetFile) ParquetRewrite { return flip })
		pqSameRows(t, pqRead(t, enc), pqRead(t, out))
		back, q, _ := pqRewriteOK(t, name+", undo", out, parquetSeams{}, func(*ParquetFile) ParquetRewrite { return undo })
		pqCopiedSame(t, name+", undo", q, out, back)
		pqSameRows(t, pqRead(t, data), pqRead(t, back))
		if a, b := p.meta.Schema, pqOpen(t, back).meta.Schema; !reflect.DeepEqual(a, b) {
			t.Errorf("%s: after the undo, the schema is %+v, want %+v", name, b, a)
		}
	}
}

// TestParquetSpliceCorruptCopiedPage: a page of a column the rewrite copies
// is still checked: a checksum that does not match, or a corrupt header, is
// refused as corrupt, as without the splice. A page whose values are
// corrupt but whose checksum (if any), header, sizes and compressed bytes
// are sound is copied as it is: the output's chunk is the input's bytes.
func TestParquetSpliceCorruptCopiedPage(t *testing.T) {
	t.Parallel()
	data := pqAllFile(t, pqAllRows(3000, 0), &parquet.Uncompressed, 1, []int{3000})
	p := pqOpen(t, data)
	col := pqCol(t, p, "i32")
	start, end := chunkBounds(&p.meta.RowGroups[0].Columns[col].MetaData)
	var window []byte
	var h format.PageHeader
	n, err := readPageHeader(p.r, start, end, &window, &h)
	if err != nil || h.CRC == 0 {
		t.Fatalf("%v, CRC %x", err, h.CRC)
	}
	last := start + int64(n) + int64(h.CompressedPageSize) - 1 // the page's last value
	for _, c := range []struct {
		name string
		at   int64
		want string
	}{
		{"checksum", last, "column i32: row group 0: corrupt page at offset"},
		{"header", start + 1, "column i32: row group 0:"},
	} {
		bad := bytes.Clone(data)
		bad[c.at] ^= 0x10
		for _, s := range []parquetSeams{{}, {noSplice: true}} {
			p, err := openParquetSeams(bytes.NewReader(bad), int64(len(bad)), "test.parquet", ParquetLimits{}, s)
			if err == nil {
				err = RewriteParquet(p, io.Discard, pqFlipRewrite(t)(p))
			}
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("%s (%+v): got %v, want %q", c.name, s, err, c.want)
			}
		}
	}
	bad := pqNoCRC(t, data)
	start, _ = chunkBounds(&pqOpen(t, bad).meta.RowGroups[0].Columns[col].MetaData)
	bad[last-start+start] ^= 0x10 // the page header is no longer than without the CRC
	out, p, _ := pqRewriteOK(t, "a changed value", bad, parquetSeams{}, pqFlipRewrite(t))
	pqCopiedSame(t, "a changed value", p, bad, out)
}

// TestParquetSpliceVerify: a copied chunk whose bytes, metadata or page
// index differ from the input's is a mismatch, whether the check knows
// what the rewrite copied or not (it then compares the values).
func TestParquetSpliceVerify(t *testing.T) {
	t.Parallel()
	data := pqAllFile(t, pqAllRows(3000, 0), &parquet.Zstd, 2, []int{1400, 1599, 1})
	out, p, q := pqRewriteOK(t, "flip", data, parquetSeams{}, pqFlipRewrite(t))
	col := pqCol(t, q, "i64")
	if !p.copied[0][col] {
		t.Fatal("i64 not copied")
	}
	start, end := chunkBounds(&q.meta.RowGroups[0].Columns[col].MetaData)
	bad := bytes.Clone(out)
	bad[(start+end)/2] ^= 1
	err := VerifyParquetRewrite(p, pqOpen(t, bad), pqFlipRewrite(t)(p))
	if want := "column i64, row group 0 (copied from the input): its byte"; !errors.Is(err, ErrParquetMismatch) || !strings.Contains(err.Error(), want) {
		t.Errorf("a changed byte: got %v, want %q", err, want)
	}
	fresh := pqOpen(t, data)
	if err := VerifyParquetRewrite(fresh, pqOpen(t, out), pqFlipRewrite(t)(fresh)); err != nil {
		t.Errorf("the check without the rewrite's record: %v", err)
	}
	if err := VerifyParquetRewrite(fresh, pqOpen(t, bad), pqFlipRewrite(t)(fresh)); !errors.Is(err, ErrParquetMismatch) {
		t.Errorf("a changed byte, the check without the rewrite's record: got %v", err)
	}
}

// TestParquetSplicePageIndex: a copied chunk keeps the input's column index
// and its offset index shifted (the check compares them with the input's);
// one whose offset index does not list its pages gets none.
func TestParquetSplicePageIndex(t *testing.T) {
	t.Parallel()
	data := pqAllFile(t, pqAllRows(3000, 0), &parquet.Snappy, 1, []int{1400, 1599, 1})
	_, _, q := pqRewriteOK(t, "flip", data, parquetSeams{}, pqFlipRewrite(t))
	i32, s := pqCol(t, q, "i32"), pqCol(t, q, "s")
	if cc := q.meta.RowGroups[0].Columns[i32]; cc.OffsetIndexLength == 0 || cc.ColumnIndexLength == 0 {
		t.Errorf("i32: no page index")
	}
	wrong := pqEditFooter(t, data, func(md *format.FileMetaData) {
		a, b := &md.RowGroups[0].Columns[i32], &md.RowGroups[0].Columns[s]
		a.OffsetIndexOffset, a.OffsetIndexLength = b.OffsetIndexOffset, b.OffsetIndexLength
	})
	_, _, q = pqRewriteOK(t, "flip", wrong, parquetSeams{}, pqFlipRewrite(t))
	if cc := q.meta.RowGroups[0].Columns[i32]; cc.OffsetIndexLength != 0 || cc.ColumnIndexLength != 0 {
		t.Errorf("i32 with another chunk's offset index: a page index in the output")
	}
	if cc := q.meta.RowGroups[0].Columns[s]; cc.OffsetIndexLength == 0 {
		t.Errorf("s: no offset index")
	}
}

// TestParquetSpliceFallback: the rewrite encodes every chunk where it
// cannot splice (column orders that do not list every leaf; the row-wise
// and no-splice seams), and the output passes the check.
func TestParquetSpliceFallback(t *testing.T) {
	t.Parallel()
	data := pqAllFile(t, pqAllRows(3000, 0), &parquet.Snappy, 1, []int{2000, 1000})
	odd := pqEditFooter(t, data, func(md *format.FileMetaData) { md.ColumnOrders = md.ColumnOrders[:1] })
	for _, c := range []struct {
		name string
		data []byte
		s    parquetSeams
	}{
		{"column orders", odd, parquetSeams{}},
		{"by rows", data, parquetSeams{byRows: true}},
		{"no splice", data, parquetSeams{noSplice: true}},
	} {
		_, p, _ := pqRewriteOK(t, c.name, c.data, c.s, pqFlipRewrite(t))
		if p.copied != nil {
			t.Errorf("%s: spliced", c.name)
		}
	}
	_, p, _ := pqRewriteOK(t, "splice", data, parquetSeams{}, pqFlipRewrite(t))
	if p.copied == nil {
		t.Errorf("not spliced")
	}
}

// TestParquetCopiedAt: a leaf counts as copied for some rows only if the
// last rewrite copied its chunk in every row group holding one of them.
func TestParquetCopiedAt(t *testing.T) {
	t.Parallel()
	data := pqAllFile(t, pqAllRows(3000, 0), &parquet.Zstd, 1, []int{1400, 1599, 1})
	p := pqOpen(t, data)
	label := pqCol(t, p, "label")
	other := pqCol(t, p, "i32")
	if p.copiedAt(other, []int64{0}) {
		t.Errorf("copied before any rewrite")
	}
	// Change label cells in row groups 0 and 2 only.
	rw := ParquetRewrite{Set: map[int]map[int64]string{label: {5: "x", 2999: "y"}}, DropColumn: -1}
	if err := RewriteParquet(p, io.Discard, rw); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		col  int
		rows []int64
		want bool
	}{
		{other, []int64{5, 2999}, true},
		{other, nil, true},
		{label, []int64{1400, 2000}, true}, // row group 1 only: copied there
		{label, []int64{5}, false},
		{label, []int64{1400, 2999}, false},
		{label, []int64{0, 1, 2, 3}, false},
	} {
		if got := p.copiedAt(c.col, c.rows); got != c.want {
			t.Errorf("column %d, rows %v: copied %v, want %v", c.col, c.rows, got, c.want)
		}
	}
}
