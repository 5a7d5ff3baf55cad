package tableio

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fairflip/fairflip/internal/duckdb"
	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress"
	"github.com/parquet-go/parquet-go/deprecated"
	"github.com/parquet-go/parquet-go/format"
)

// pqAllRow has a column for each encoding parquet-go writes (by its tags),
// each sort order, NaN, -0 and +0 floats, INTERVAL and INT96; the codec
// is the writer's (pqAllFile).
type pqAllRow struct {
	B     bool             `parquet:"b"`
	BOpt  *bool            `parquet:"b_opt"`
	I32   int32            `parquet:"i32"`
	I32D  int32            `parquet:"i32_delta,delta"`
	I64   int64            `parquet:"i64,split"`
	U32   uint32           `parquet:"u32"`
	U64   uint64           `parquet:"u64,delta"`
	F32   float32          `parquet:"f32"`
	F64   float64          `parquet:"f64,split"`
	F64O  *float64         `parquet:"f64_opt"`
	S     string           `parquet:"s,delta"`
	SDict string           `parquet:"s_dict,dict"`
	SOpt  *string          `parquet:"s_opt"`
	Bin   []byte           `parquet:"bin"`
	DFix  [16]byte         `parquet:"dfix,decimal(4:38)"`
	D32   int32            `parquet:"d32,decimal(2:9)"`
	UUID  [16]byte         `parquet:"uuid,uuid"`
	H20   [20]byte         `parquet:"h20"`
	Ivl   [12]byte         `parquet:"ivl,interval"`
	I96   deprecated.Int96 `parquet:"i96"`
	Date  int32            `parquet:"date,date"`
	Label string           `parquet:"label,dict"`
}

// pqAllRows returns n rows; NaN is only in the rows of f64 before nanUpTo
// (so some chunks hold one and others not).
func pqAllRows(n, nanUpTo int) []pqAllRow {
	rows := make([]pqAllRow, n)
	for i := range rows {
		r := &rows[i]
		r.B = i%3 == 0
		if i%4 != 0 {
			b := i%2 == 0
			r.BOpt = &b
		}
		r.I32 = int32(i*7919%100003 - 50000)
		r.I32D = int32(i * 3)
		r.I64 = int64(i)*1_000_000_007 - 1<<40
		r.U32 = 4_000_000_000 + uint32(i)
		r.U64 = 1<<63 + uint64(i)*3
		if i%5 == 0 {
			r.U64 = uint64(i)
		}
		r.F32 = float32(i)/7 - 3
		switch i % 11 {
		case 0:
			r.F64 = math.Copysign(0, -1)
		case 1:
			r.F64 = 0
		case 2:
			r.F64 = math.Inf(1)
		default:
			r.F64 = float64(i) / 3
		}
		if i < nanUpTo && i%13 == 0 {
			r.F64 = math.NaN()
		}
		if i%5 != 0 {
			f := -float64(i)
			r.F64O = &f
		}
		r.S = fmt.Sprintf("prefix-%05d", i/3)
		r.SDict = []string{"é", "a", "zz", "\xff\xfe"}[i%4]
		if i%3 != 0 {
			s := strings.Repeat("\xff", 17+i%3)
			r.SOpt = &s
		}
		r.Bin = []byte{byte(i), 0, byte(i >> 8)}
		d := int64(i%200-100) * 123456789
		binary.BigEndian.PutUint64(r.DFix[8:], uint64(d))
		if d < 0 {
			copy(r.DFix[:8], bytes.Repeat([]byte{0xff}, 8))
		}
		r.D32 = int32(i%300 - 150)
		binary.BigEndian.PutUint64(r.UUID[:], uint64(i)*0x9e3779b97f4a7c15)
		binary.BigEndian.PutUint64(r.H20[12:], uint64(i)*0x9e3779b97f4a7c15)
		r.H20[0] = byte(i % 3)
		binary.LittleEndian.PutUint32(r.Ivl[:], uint32(i%12))
		binary.LittleEndian.PutUint32(r.Ivl[4:], uint32(i%30))
		binary.LittleEndian.PutUint32(r.Ivl[8:], uint32(i*1000))
		r.I96 = deprecated.Int96{uint32(i), uint32(i * 7), 2440588 + uint32(i%1000)}
		r.Date = int32(i%4000 - 2000)
		r.Label = []string{"yes", "no"}[i%2]
	}
	return rows
}

// pqAllFile writes rows with codec in row groups of the given sizes, with
// small pages.
func pqAllFile(t testing.TB, rows []pqAllRow, codec compress.Codec, version int, groups []int) []byte {
	t.Helper()
	var buf bytes.Buffer
	pqWriteGroups(t, parquet.NewGenericWriter[pqAllRow](&buf, parquet.Compression(codec), parquet.DataPageVersion(version), parquet.PageBufferSize(2048)), rows, groups)
	return buf.Bytes()
}

// pqOddEncodings writes the encodings parquet-go's tags do not give:
// DELTA_LENGTH_BYTE_ARRAY, RLE booleans, PLAIN booleans with nulls.
func pqOddEncodings(t testing.TB, codec compress.Codec, version int) []byte {
	t.Helper()
	schema := parquet.NewSchema("odd", parquet.Group{
		"dlba": parquet.Encoded(parquet.String(), &parquet.DeltaLengthByteArray),
		"rle":  parquet.Encoded(parquet.Leaf(parquet.BooleanType), &parquet.RLE),
		"ob":   parquet.Optional(parquet.Leaf(parquet.BooleanType)),
	})
	type odd struct {
		Dlba string `parquet:"dlba"`
		Rle  bool   `parquet:"rle"`
		Ob   *bool  `parquet:"ob"`
	}
	var buf bytes.Buffer
	w := parquet.NewGenericWriter[odd](&buf, schema, parquet.Compression(codec), parquet.DataPageVersion(version), parquet.PageBufferSize(1024))
	rows := make([]odd, 3000)
	for i := range rows {
		rows[i].Dlba = strings.Repeat("ab", i%9) + fmt.Sprint(i)
		rows[i].Rle = i%7 < 3
		if i%3 != 0 {
			b := i%2 == 0
			rows[i].Ob = &b
		}
	}
	if _, err := w.Write(rows); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

var pqCodecs = []compress.Codec{&parquet.Uncompressed, &parquet.Snappy, &parquet.Gzip, &parquet.Brotli, &parquet.Zstd, &parquet.Lz4Raw}

// pqGoChunk reads a column chunk with parquet-go's page reader: levels and
// values in statistics form (nil for a null).
func pqGoChunk(t testing.TB, p *ParquetFile, g, c int) (defs, reps []int, vals [][]byte) {
	t.Helper()
	pages := p.f.RowGroups()[g].ColumnChunks()[c].Pages()
	defer pages.Close()
	buf := make([]parquet.Value, 100)
	for {
		page, err := pages.ReadPage()
		if err == io.EOF {
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		vr := page.Values()
		for {
			n, err := vr.ReadValues(buf)
			for _, v := range buf[:n] {
				defs, reps = append(defs, v.DefinitionLevel()), append(reps, v.RepetitionLevel())
				if v.IsNull() {
					vals = append(vals, nil)
				} else {
					vals = append(vals, appendRaw(nil, v))
				}
			}
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
		}
		parquet.Release(page)
	}
}

// pqRefChunk reads a column chunk with the reference reader.
func pqRefChunk(t testing.TB, p *ParquetFile, g, c int) (defs, reps []int, vals [][]byte, own bool) {
	t.Helper()
	var r refReader
	var b refBuffers
	defer b.close()
	r.reset(p, g, c, &b)
	l := p.leaves[c]
	for {
		ok, err := r.next()
		if err != nil {
			t.Fatalf("row group %d, column %s: %v", g, l.name, err)
		}
		if !ok {
			return defs, reps, vals, r.ownAll
		}
		pg := &r.page
		j := 0
		for i := range pg.n {
			d, rep := levelAt(pg.def, i, l.maxDef), levelAt(pg.rep, i, l.maxRep)
			defs, reps = append(defs, d), append(reps, rep)
			if d == l.maxDef {
				vals = append(vals, bytes.Clone(pg.vals.at(j)))
				j++
			} else {
				vals = append(vals, nil)
			}
		}
	}
}

// pqSameDecoding checks that the reference reader and parquet-go read every
// chunk of a file alike, the reference reader with its own decoders.
func pqSameDecoding(t *testing.T, what string, data []byte) {
	t.Helper()
	p := pqOpen(t, data)
	for g := range p.meta.RowGroups {
		for c, l := range p.leaves {
			d1, r1, v1 := pqGoChunk(t, p, g, c)
			d2, r2, v2, own := pqRefChunk(t, p, g, c)
			if !own {
				t.Errorf("%s: row group %d, column %s: not decoded by the reference reader's own decoders", what, g, l.name)
			}
			if fmt.Sprint(d1) != fmt.Sprint(d2) || fmt.Sprint(r1) != fmt.Sprint(r2) || len(v1) != len(v2) {
				t.Fatalf("%s: row group %d, column %s: levels differ (%d and %d values)", what, g, l.name, len(v1), len(v2))
			}
			for i := range v1 {
				if !bytes.Equal(v1[i], v2[i]) {
					t.Fatalf("%s: row group %d, column %s, value %d: parquet-go %x, reference %x", what, g, l.name, i, v1[i], v2[i])
				}
			}
		}
	}
}

// TestParquetReferenceReader: the reference reader reads what parquet-go
// reads, with its own decoders, for every codec and encoding parquet-go
// writes, data page versions 1 and 2, many pages per chunk, and the seed
// and fixture files (nested columns included).
func TestParquetReferenceReader(t *testing.T) {
	t.Parallel()
	rows := pqAllRows(3000, 1500)
	for _, codec := range pqCodecs {
		for _, v := range []int{1, 2} {
			what := fmt.Sprintf("%s v%d", codec, v)
			pqSameDecoding(t, what, pqAllFile(t, rows, codec, v, []int{1400, 1599, 1}))
			pqSameDecoding(t, what+" odd encodings", pqOddEncodings(t, codec, v))
		}
	}
	for i, data := range append(pqSeeds(t), pqRealFiles(t)...) {
		pqSameDecoding(t, fmt.Sprintf("file %d", i), data)
	}
	pqSameDecoding(t, "pqStandard", pqStandard(t))
}

// TestParquetReferenceReaderDuckDB: the same for DuckDB's files, in each
// codec it writes, in its format versions 1 (PLAIN, dictionaries) and 2
// (DELTA encodings, BYTE_STREAM_SPLIT).
func TestParquetReferenceReaderDuckDB(t *testing.T) {
	t.Parallel()
	duckdb.Require(t)
	dir := t.TempDir()
	var sql strings.Builder
	var files []string
	for _, codec := range []string{"uncompressed", "snappy", "gzip", "zstd", "brotli", "lz4", "lz4_raw"} {
		for _, v := range []string{"V1", "V2"} {
			f := filepath.Join(dir, codec+v+".parquet")
			files = append(files, f)
			fmt.Fprintf(&sql, `COPY (SELECT i AS id, (i*7)::INT AS i32, CASE WHEN i%%17=0 THEN 'NaN'::FLOAT ELSE i/7 END::FLOAT AS f32,
				i/3::DOUBLE AS f64, ((i%%200)-100)::DECIMAL(38,4) * 1.5 AS d38, ((i%%1000)-500)/100::DECIMAL(9,2) AS d9,
				CASE WHEN i%%5=0 THEN NULL ELSE 'v'||(i%%97) END AS s, DATE '2000-01-01' + (i%%3000)::INT AS d,
				to_seconds(i%%1000) + to_months(i%%5) AS ivl, i%%3=0 AS b, (i::VARCHAR)::BLOB AS blob,
				[i, i+1] AS list, {'a': i, 'b': 'x'||i} AS st, (i*7919)::UINTEGER AS u32
				FROM range(5000) t(i)) TO %s (FORMAT parquet, COMPRESSION %s, PARQUET_VERSION %s, ROW_GROUP_SIZE 2048);`, duckdb.Quote(f), codec, v)
		}
	}
	if _, err := duckdb.Query(sql.String()); err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		pqSameDecoding(t, filepath.Base(f), data)
		p := pqOpen(t, data)
		rw := ParquetRewrite{DropColumn: -1, AppendColumn: "audit", Append: map[int64]string{4999: "z"},
			Set: map[int]map[int64]string{pqCol(t, p, "i32"): {0: "-1", 2048: "5"}, pqCol(t, p, "s"): {5: "new"}}}
		var out bytes.Buffer
		if err := RewriteParquet(p, &out, rw); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if err := VerifyParquetRewrite(p, pqOpen(t, out.Bytes()), rw); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
}

// pqRewriteOK rewrites data with rw (with the seams s) and checks the
// rewrite; it returns the output.
func pqRewriteOK(t *testing.T, what string, data []byte, s parquetSeams, rw func(p *ParquetFile) ParquetRewrite) ([]byte, *ParquetFile, *ParquetFile) {
	t.Helper()
	p := pqOpenSeams(t, data, s)
	var out bytes.Buffer
	if err := RewriteParquet(p, &out, rw(p)); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	q := pqOpen(t, out.Bytes())
	if err := VerifyParquetRewrite(p, q, rw(p)); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	return out.Bytes(), p, q
}

func pqFlipRewrite(t *testing.T) func(p *ParquetFile) ParquetRewrite {
	return func(p *ParquetFile) ParquetRewrite {
		return ParquetRewrite{DropColumn: -1, AppendColumn: "fairflip_audit", Append: map[int64]string{3: "a", 2000: "b"},
			Set: map[int]map[int64]string{pqCol(t, p, "label"): {3: "yes", 2000: "maybe"}}}
	}
}

// TestParquetStatisticsTrue: the statistics of the chunks the rewrite
// encodes (all of them here, without the splice) follow each column's
// logical order (signed decimals in FIXED_LEN_BYTE_ARRAY, unsigned
// integers), leave out the min and max of INTERVAL, INT96 and of float
// chunks that hold a NaN (and their column indexes), keep those of the
// other chunks, and carry no page header statistics where the deprecated
// signed fields would be wrong. (VerifyParquetRewrite checks every statistic
// against the values; this checks that they are there where they should be.)
func TestParquetStatisticsTrue(t *testing.T) {
	t.Parallel()
	rows := pqAllRows(3000, 1400)
	for _, v := range []int{1, 2} {
		data := pqAllFile(t, rows, &parquet.Snappy, v, []int{1400, 1599, 1})
		out, _, q := pqRewriteOK(t, "flip", data, parquetSeams{noSplice: true}, pqFlipRewrite(t))
		stat := func(g int, name string) (*format.ColumnChunk, *parquetLeaf) {
			c := pqCol(t, q, name)
			return &q.meta.RowGroups[g].Columns[c], q.leaves[c]
		}
		for g := range q.meta.RowGroups {
			for _, name := range []string{"ivl", "i96"} {
				cc, _ := stat(g, name)
				if st := cc.MetaData.Statistics; st.MinValue != nil || st.MaxValue != nil || cc.ColumnIndexLength != 0 {
					t.Errorf("v%d, row group %d, %s: min %x, max %x, a column index of %d bytes; want none", v, g, name, st.MinValue, st.MaxValue, cc.ColumnIndexLength)
				}
			}
			for _, name := range []string{"b", "b_opt", "i32", "i32_delta", "i64", "u32", "u64", "f32", "f64_opt", "s", "s_dict", "s_opt", "bin", "dfix", "d32", "uuid", "date", "label", "fairflip_audit"} {
				cc, _ := stat(g, name)
				if name == "fairflip_audit" && g == 2 {
					continue // no audit cell in the last row group: all null
				}
				if st := cc.MetaData.Statistics; st.MinValue == nil || st.MaxValue == nil {
					t.Errorf("v%d, row group %d, %s: no min or max", v, g, name)
				}
				if cc.ColumnIndexLength == 0 && name != "s_opt" {
					t.Errorf("v%d, row group %d, %s: no column index", v, g, name)
				}
			}
			// f64 holds NaN in the first row group only.
			cc, _ := stat(g, "f64")
			if st := cc.MetaData.Statistics; (g == 0) != (st.MinValue == nil && cc.ColumnIndexLength == 0) {
				t.Errorf("v%d, row group %d, f64: min %x, column index %d bytes", v, g, st.MinValue, cc.ColumnIndexLength)
			}
		}
		// The decimal's min is negative and its max positive; the unsigned
		// max is above 2^63.
		cc, _ := stat(0, "dfix")
		if st := cc.MetaData.Statistics; st.MinValue[0] != 0xff || st.MaxValue[0] != 0 {
			t.Errorf("v%d: dfix from %x to %x", v, st.MinValue, st.MaxValue)
		}
		cc, _ = stat(0, "u64")
		if st := cc.MetaData.Statistics; binary.LittleEndian.Uint64(st.MaxValue) < 1<<63 || binary.LittleEndian.Uint64(st.MinValue) != 0 {
			t.Errorf("v%d: u64 from %x to %x", v, st.MinValue, st.MaxValue)
		}
		// s_opt starts with 17 bytes 0xff: parquet-go would truncate its
		// column index max below the values; h20's 20-byte bounds to 16
		// bytes. They get no column index, but their statistics.
		for _, name := range []string{"s_opt", "h20"} {
			if cc, _ := stat(0, name); cc.ColumnIndexLength != 0 || cc.MetaData.Statistics.MaxValue == nil {
				t.Errorf("v%d: %s has a column index, or no max", v, name)
			}
		}
		// Page header statistics only for signed integers and booleans.
		for c, l := range q.leaves {
			var r refReader
			var b refBuffers
			r.reset(q, 0, c, &b)
			ok, err := r.next()
			if err != nil || !ok {
				t.Fatalf("v%d, %s: %v", v, l.name, err)
			}
			h := r.page.header
			st := h.DataPageHeader.V.Statistics
			if v == 2 {
				st = h.DataPageHeaderV2.V.Statistics
			}
			if has := st.MinValue != nil || st.Min != nil; has != (l.order() == orderSigned || l.order() == orderBool) {
				t.Errorf("v%d, %s (order %d): page statistics %v", v, l.name, l.order(), has)
			}
		}
		_ = out
	}
}

// TestParquetVerifyCatchesWrongOutput: an output that is not what the
// rewrite should have written (a cell of an untouched column, a null made a
// value, a changed cell written wrong, an appended cell, a missing change) is
// ErrParquetMismatch, naming the column and the row.
func TestParquetVerifyCatchesWrongOutput(t *testing.T) {
	t.Parallel()
	data := pqAllFile(t, pqAllRows(3000, 1400), &parquet.Zstd, 1, []int{1400, 1599, 1})
	good := pqFlipRewrite(t)
	for _, c := range []struct {
		name  string
		wrong func(p *ParquetFile, rw *ParquetRewrite)
		want  string
	}{
		{"untouched column", func(p *ParquetFile, rw *ParquetRewrite) { rw.Set[pqCol(t, p, "f64")] = map[int64]string{1500: "1.5"} }, "column f64, row 1501: \"1.5\", want \"500\""},
		{"a null made a value", func(p *ParquetFile, rw *ParquetRewrite) { rw.Set[pqCol(t, p, "s_opt")] = map[int64]string{2997: "x"} }, "column s_opt, row 2998: \"x\", want null"},
		{"a decimal", func(p *ParquetFile, rw *ParquetRewrite) { rw.Set[pqCol(t, p, "dfix")] = map[int64]string{0: "1"} }, "column dfix, row 1:"},
		{"a changed cell written wrong", func(p *ParquetFile, rw *ParquetRewrite) { rw.Set[pqCol(t, p, "label")][3] = "no" }, "column label, row 4: \"no\", want \"yes\""},
		{"a change not written", func(p *ParquetFile, rw *ParquetRewrite) { delete(rw.Set[pqCol(t, p, "label")], 2000) }, "column label, row 2001: \"yes\", want \"maybe\""},
		// The splice copies the chunk where no change is written.
		{"splice: a change not written", func(p *ParquetFile, rw *ParquetRewrite) { delete(rw.Set[pqCol(t, p, "label")], 2000) }, "column label, row group 1 (copied from the input): the rewrite changes cells in it"},
		{"an appended cell", func(p *ParquetFile, rw *ParquetRewrite) { rw.Append[2999] = "stray" }, "column fairflip_audit, row 3000: \"stray\", want null"},
	} {
		splice := strings.HasPrefix(c.name, "splice: ")
		p := pqOpenSeams(t, data, parquetSeams{noSplice: !splice && c.name == "a change not written"})
		written := good(p)
		c.wrong(p, &written)
		var out bytes.Buffer
		if err := RewriteParquet(p, &out, written); err != nil {
			t.Fatal(err)
		}
		err := VerifyParquetRewrite(p, pqOpen(t, out.Bytes()), good(p))
		if !errors.Is(err, ErrParquetMismatch) || errors.Is(err, ErrParquetDecode) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want a mismatch saying %q", c.name, err, c.want)
		}
	}
}

// TestParquetVerifyCatchesUnfaithfulDecoding: when parquet-go decodes the
// input into other values than the page holds (pageHook stands in for a
// decoder bug, as the LZ4_RAW one of parquet-go v0.32.0: the rewrite then
// copies the wrong values faithfully), the check says the input cannot be
// read faithfully, naming the file, the column, the row and the codec; for
// every codec, a fixed-size value, a byte array, a dictionary index and a
// definition level.
func TestParquetVerifyCatchesUnfaithfulDecoding(t *testing.T) {
	t.Parallel()
	rows := pqAllRows(3000, 0)
	for _, codec := range pqCodecs {
		data := pqAllFile(t, rows, codec, 2, []int{1400, 1599, 1})
		for _, c := range []struct {
			col    string
			break_ func(page parquet.Page)
		}{
			{"f64", func(page parquet.Page) {
				d := page.Data()
				b, _ := d.Data()
				b[7] ^= 0x40
			}},
			{"bin", func(page parquet.Page) {
				d := page.Data()
				b, _ := d.Data()
				b[len(b)-1] ^= 1
			}},
			{"s_dict", func(page parquet.Page) {
				d := page.Data()
				idx := d.Int32()
				idx[0] = (idx[0] + 1) % int32(page.Dictionary().Len())
			}},
			{"dfix", func(page parquet.Page) {
				d := page.Data()
				b, _ := d.Data()
				b[0] ^= 0x80
			}},
			{"f64_opt", func(page parquet.Page) {
				d := page.Data()
				b, _ := d.Data()
				b[0] ^= 1
			}},
		} {
			p := pqOpenSeams(t, data, parquetSeams{noSplice: true})
			col := pqCol(t, p, c.col)
			p.pageHook = func(g, i int, page parquet.Page) {
				if g == 1 && i == col {
					c.break_(page)
				}
			}
			rw := pqFlipRewrite(t)(p)
			var out bytes.Buffer
			if err := RewriteParquet(p, &out, rw); err != nil {
				t.Fatalf("%s, %s: %v", codec, c.col, err)
			}
			// The check knows what the rewrite read; a file opened again
			// does not, and then decodes the differing cell with parquet-go.
			again := pqOpen(t, data)
			again.pageHook = p.pageHook
			for _, in := range []*ParquetFile{p, again} {
				err := VerifyParquetRewrite(in, pqOpen(t, out.Bytes()), rw)
				want := fmt.Sprintf("test.parquet: column %s: %v: parquet-go decodes row ", c.col, ErrParquetDecode)
				if !errors.Is(err, ErrParquetDecode) || !strings.HasPrefix(err.Error(), want) || !strings.Contains(err.Error(), "(codec "+codec.CompressionCodec().String()+", encoding ") {
					t.Errorf("%s, %s: got %v, want %q... naming the codec", codec, c.col, err, want)
				}
			}
		}
	}
}

// TestParquetRefReaderChecksums: a page whose checksum does not match (a
// value changed on disk) is corrupt for the reference reader, as it is for
// parquet-go, which the rewrite refuses first.
func TestParquetRefReaderChecksums(t *testing.T) {
	t.Parallel()
	data := pqAllFile(t, pqAllRows(300, 0), &parquet.Uncompressed, 1, []int{300})
	p := pqOpen(t, data)
	col := pqCol(t, p, "i32")
	m := &p.meta.RowGroups[0].Columns[col].MetaData
	start, end := chunkBounds(m)
	var window []byte
	var h format.PageHeader
	n, err := readPageHeader(p.r, start, end, &window, &h)
	if err != nil || h.CRC == 0 {
		t.Fatalf("%v, CRC %x", err, h.CRC)
	}
	bad := bytes.Clone(data)
	bad[start+int64(n)+int64(h.CompressedPageSize)-1] ^= 1 // the last value of the page
	p = pqOpen(t, bad)
	var r refReader
	var b refBuffers
	r.reset(p, 0, col, &b)
	if _, err := r.next(); err == nil || !strings.Contains(err.Error(), "its checksum is") {
		t.Errorf("reference reader: got %v", err)
	}
	if err := RewriteParquet(p, io.Discard, ParquetRewrite{DropColumn: -1}); err == nil || !strings.Contains(err.Error(), "column i32: row group 0: corrupt page") {
		t.Errorf("rewrite: got %v", err)
	}
}

// TestParquetVerifyCatchesWrongStatistics: statistics, column and offset
// indexes of the output that do not match its values are ErrParquetMismatch.
func TestParquetVerifyCatchesWrongStatistics(t *testing.T) {
	t.Parallel()
	data := pqAllFile(t, pqAllRows(3000, 0), &parquet.Snappy, 1, []int{1400, 1599, 1})
	for _, splice := range []bool{false, true} {
		pqWrongStatistics(t, data, splice)
	}
}

// pqWrongStatistics edits the footer of a rewrite of data (spliced or not)
// and checks that VerifyParquetRewrite sees each edit; the spliced chunks
// are copied, so their edits are seen as changes to the input's metadata.
func pqWrongStatistics(t *testing.T, data []byte, splice bool) {
	out, p, q := pqRewriteOK(t, "flip", data, parquetSeams{noSplice: !splice}, pqFlipRewrite(t))
	i32, s := pqCol(t, q, "i32"), pqCol(t, q, "s")
	copied := func(what, instead string) string {
		if splice {
			return instead
		}
		return what
	}
	for _, c := range []struct {
		name string
		edit func(md *format.FileMetaData)
		want string
	}{
		{"a max too low", func(md *format.FileMetaData) {
			st := &md.RowGroups[0].Columns[i32].MetaData.Statistics
			st.MaxValue = binary.LittleEndian.AppendUint32(nil, binary.LittleEndian.Uint32(st.MaxValue)-1)
		}, copied("column i32, row group 0: the statistics say", "column i32, row group 0 (copied from the input): its metadata differs")},
		{"a null count", func(md *format.FileMetaData) { md.RowGroups[1].Columns[s].MetaData.Statistics.NullCount = 1 }, copied("column s, row group 1: the statistics say 1 nulls", "column s, row group 1 (copied from the input): its metadata differs")},
		{"no min and max", func(md *format.FileMetaData) {
			st := &md.RowGroups[1].Columns[s].MetaData.Statistics
			st.MinValue, st.MaxValue = nil, nil
		}, copied("column s, row group 1: the statistics say 0 nulls and none to none", "column s, row group 1 (copied from the input): its metadata differs")},
		{"another chunk's column index", func(md *format.FileMetaData) {
			a, b := &md.RowGroups[0].Columns[i32], &md.RowGroups[1].Columns[i32]
			a.ColumnIndexOffset, a.ColumnIndexLength = b.ColumnIndexOffset, b.ColumnIndexLength
		}, copied("column i32, row group 0: the column index", "column i32, row group 0 (copied from the input): its column index is not the input's")},
		{"another chunk's offset index", func(md *format.FileMetaData) {
			a, b := &md.RowGroups[0].Columns[i32], &md.RowGroups[0].Columns[s]
			a.OffsetIndexOffset, a.OffsetIndexLength = b.OffsetIndexOffset, b.OffsetIndexLength
		}, copied("column i32, row group 0: the offset index", "column i32, row group 0 (copied from the input): its offset index is not the input's")},
	} {
		bad := pqEditFooter(t, out, c.edit)
		err := VerifyParquetRewrite(p, pqOpen(t, bad), pqFlipRewrite(t)(p))
		if !errors.Is(err, ErrParquetMismatch) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s (splice %v): got %v, want %q", c.name, splice, err, c.want)
		}
	}
}

// TestParquetDigestAndStatsForms: the digest and the statistics of values as
// parquet-go gives them (the rewrite) equal those of their statistics form
// (the check), for every kind and order, nulls and NaN included.
func TestParquetDigestAndStatsForms(t *testing.T) {
	t.Parallel()
	mk := func(k parquet.Kind, i int) parquet.Value {
		switch k {
		case parquet.Boolean:
			return parquet.BooleanValue(i%3 == 0)
		case parquet.Int32:
			return parquet.Int32Value(int32(i*7919 - 1<<30))
		case parquet.Int64:
			return parquet.Int64Value(int64(i)*1e15 - 1<<62)
		case parquet.Int96:
			return parquet.Int96Value(deprecated.Int96{uint32(i), ^uint32(i), uint32(i * 3)})
		case parquet.Float:
			return parquet.FloatValue([]float32{float32(i) - 50, float32(math.NaN()), float32(math.Copysign(0, -1))}[i%3])
		case parquet.Double:
			return parquet.DoubleValue([]float64{float64(i) / 3, math.Inf(-1), 0}[i%3])
		case parquet.FixedLenByteArray:
			return parquet.FixedLenByteArrayValue([]byte{byte(i), byte(255 - i), 0, byte(i >> 1)})
		}
		return parquet.ByteArrayValue(bytes.Repeat([]byte{byte(i), 0xff}, i%11))
	}
	for _, c := range []struct {
		kind  parquet.Kind
		order parquetOrder
	}{{parquet.Boolean, orderBool}, {parquet.Int32, orderSigned}, {parquet.Int32, orderUnsigned}, {parquet.Int64, orderSigned}, {parquet.Int64, orderUnsigned},
		{parquet.Int96, orderNone}, {parquet.Float, orderFloat}, {parquet.Double, orderFloat}, {parquet.FixedLenByteArray, orderBytes},
		{parquet.FixedLenByteArray, orderDecimalBytes}, {parquet.ByteArray, orderBytes}, {parquet.ByteArray, orderDecimalBytes}} {
		var vals []parquet.Value
		for i := range 200 {
			v := mk(c.kind, i)
			if i%7 == 3 {
				v = parquet.NullValue()
			}
			vals = append(vals, v.Level(0, 1-b2i(v.IsNull()), 0))
		}
		d1 := newValueDigest().addValues(c.kind, vals)
		d2 := newValueDigest()
		s1 := parquetStatsAcc{order: c.order, kind: c.kind}
		s2 := s1
		s1.addValues(vals)
		for _, v := range vals {
			var raw []byte
			if !v.IsNull() {
				raw = appendRaw(nil, v)
				s2.addRaw(raw)
			} else {
				s2.nulls++
			}
			d2 = d2.addRaw(c.kind, v.DefinitionLevel(), v.RepetitionLevel(), raw, v.IsNull())
		}
		if d1 != d2 {
			t.Errorf("%s: digests differ", c.kind)
		}
		if s1.nulls != s2.nulls || s1.values != s2.values || s1.nan != s2.nan || !bytes.Equal(s1.min, s2.min) || !bytes.Equal(s1.max, s2.max) {
			t.Errorf("%s, order %d: statistics differ: %+v and %+v", c.kind, c.order, s1, s2)
		}
		// A value changed changes the digest.
		vals[5] = mk(c.kind, 6).Level(0, 1, 0)
		if newValueDigest().addValues(c.kind, vals) == d1 {
			t.Errorf("%s: the digest does not see a changed value", c.kind)
		}
	}
}
