package tableio

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/big"
	"reflect"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/deprecated"
	"github.com/parquet-go/parquet-go/encoding/thrift"
	"github.com/parquet-go/parquet-go/format"
)

// pqNested is a nested group column: carried through untouched.
type pqNested struct {
	X int32   `parquet:"x"`
	Y *string `parquet:"y"`
}

// pqRow has a flat column of every kind, optional columns, a dictionary
// encoded string column, a list column and a group column, with SNAPPY, ZSTD
// and GZIP (and uncompressed) columns.
type pqRow struct {
	B     bool              `parquet:"b,snappy,id(7)"`
	I8    int8              `parquet:"i8,snappy"`
	I16   int16             `parquet:"i16"`
	I32   int32             `parquet:"i32,zstd"`
	I64   int64             `parquet:"i64,gzip"`
	U8    uint8             `parquet:"u8"`
	U16   uint16            `parquet:"u16,zstd"`
	U32   uint32            `parquet:"u32"`
	U64   uint64            `parquet:"u64,gzip"`
	F32   float32           `parquet:"f32"`
	F64   float64           `parquet:"f64,zstd"`
	S     string            `parquet:"s,snappy"`
	Dict  string            `parquet:"dict,dict,zstd"`
	Enum  string            `parquet:"enum,enum"`
	D32   int32             `parquet:"d32,decimal(2:9)"`
	D64   int64             `parquet:"d64,decimal(3:18),snappy"`
	DFix  [16]byte          `parquet:"dfix,decimal(4:38),gzip"`
	Date  int32             `parquet:"date,date"`
	TS    int64             `parquet:"ts,timestamp(microsecond),zstd"`
	I96   deprecated.Int96  `parquet:"i96"`
	UUID  [16]byte          `parquet:"uuid,uuid"`
	Bin   []byte            `parquet:"bin"`
	OptI  *int64            `parquet:"opt_i,snappy"`
	OptS  *string           `parquet:"opt_s,zstd"`
	Tags  []string          `parquet:"tags,list,snappy"`
	Nest  pqNested          `parquet:"nest"`
	Label string            `parquet:"label,dict,snappy,id(42)"`
	Extra map[string]string `parquet:"extra"`
}

// pqFlat lists the flat leaves of pqRow in file order with the text form of
// each row's value ("" with null=true for nulls), computed independently of
// the code under test.
type pqCell struct {
	text string
	null bool
}

var pqPandas = `{"index_columns": [], "column_indexes": [], "columns": [{"name": "b", "field_name": "b", "pandas_type": "bool", "numpy_type": "bool", "metadata": null}, {"name": "label", "field_name": "label", "pandas_type": "unicode", "numpy_type": "object", "metadata": null}], "creator": {"library": "pyarrow", "version": "15.0.0"}, "pandas_version": "2.2.0"}`

const pqArrow = "/////9AAAAAQAAAAAAAKAAwABgAFAAgACgAAAAABBAAMAAAACAAIAAAABAAIAAAABAAAAAEAAAAUAAAAEAAUAAgABgAHAAwAAAAQABAAAAAAAAEFEAAAABwAAAAEAAAAAAAAAAEAAABzAAAABAAEAAQAAAA="

func pqRows() []pqRow {
	rows := make([]pqRow, 13)
	for i := range rows {
		r := &rows[i]
		r.B = i%3 == 0
		r.I8 = int8(i*10 - 60)
		r.I16 = int16(-1000 * i)
		r.I32 = int32(i*i - 50)
		r.I64 = int64(i)*1_000_000_000_000 - 5
		r.U8 = uint8(250 + i%6)
		r.U16 = uint16(65535 - i)
		r.U32 = math.MaxUint32 - uint32(i)
		r.U64 = math.MaxUint64 - uint64(i)
		r.F32 = float32(i) * 0.25
		r.F64 = float64(i) + 0.5
		r.S = fmt.Sprintf("name %d ü", i)
		r.Dict = []string{"red", "green", "blue"}[i%3]
		r.Enum = []string{"A", "B"}[i%2]
		r.D32 = int32(i*1234 - 5000)
		if i == 3 {
			r.D32 = -5
		}
		r.D64 = int64(i)*123456789 - 1_000_000_000
		fix := new(big.Int).Mul(big.NewInt(int64(i)-6), new(big.Int).Exp(big.NewInt(10), big.NewInt(20), nil))
		b, ok := bigToTwosComplement(fix, 16)
		if !ok {
			panic("fix")
		}
		copy(r.DFix[:], b)
		r.Date = int32(18000 + i)
		if i == 12 {
			r.Date = -1
		}
		r.TS = 1_600_000_000_000_000 + int64(i)
		// INT96: Julian day 2440589 (1970-01-02) plus i hours.
		nanos := uint64(i) * 3600 * 1_000_000_000
		r.I96 = deprecated.Int96{uint32(nanos), uint32(nanos >> 32), 2440589}
		for k := range r.UUID {
			r.UUID[k] = byte(0xf0 + k + i)
		}
		switch i % 3 {
		case 0:
			r.Bin = []byte(fmt.Sprintf("bin%d", i))
		case 1:
			r.Bin = []byte{0xff, byte(i)}
		case 2:
			r.Bin = []byte("0x41")
		}
		if i%4 != 1 {
			v := int64(i) * -7
			r.OptI = &v
		}
		if i%3 != 2 {
			v := fmt.Sprintf("opt %d", i)
			r.OptS = &v
		}
		for k := 0; k < i%4; k++ {
			r.Tags = append(r.Tags, fmt.Sprintf("t%d.%d", i, k))
		}
		r.Nest.X = int32(i)
		if i%2 == 0 {
			v := fmt.Sprintf("y%d", i)
			r.Nest.Y = &v
		}
		r.Label = []string{"no", "yes"}[i%2]
		if i%5 != 0 {
			r.Extra = map[string]string{"k": strconv.Itoa(i)}
		}
	}
	return rows
}

func decimalText(unscaled *big.Int, scale int) string {
	return new(big.Rat).SetFrac(unscaled, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(scale)), nil)).FloatString(scale)
}

// pqExpected returns the expected text cells of the flat columns, by name.
func pqExpected(rows []pqRow) map[string][]pqCell {
	m := map[string][]pqCell{}
	add := func(name, text string, null bool) { m[name] = append(m[name], pqCell{text, null}) }
	for i, r := range rows {
		add("b", strconv.FormatBool(r.B), false)
		add("i8", strconv.Itoa(int(r.I8)), false)
		add("i16", strconv.Itoa(int(r.I16)), false)
		add("i32", strconv.Itoa(int(r.I32)), false)
		add("i64", strconv.FormatInt(r.I64, 10), false)
		add("u8", strconv.Itoa(int(r.U8)), false)
		add("u16", strconv.Itoa(int(r.U16)), false)
		add("u32", strconv.FormatUint(uint64(r.U32), 10), false)
		add("u64", strconv.FormatUint(r.U64, 10), false)
		add("f32", fmt.Sprint(r.F32), false)
		add("f64", fmt.Sprintf("%d.5", i), false)
		add("s", r.S, false)
		add("dict", r.Dict, false)
		add("enum", r.Enum, false)
		add("d32", decimalText(big.NewInt(int64(r.D32)), 2), false)
		add("d64", decimalText(big.NewInt(r.D64), 3), false)
		fix := new(big.Int).Mul(big.NewInt(int64(i)-6), new(big.Int).Exp(big.NewInt(10), big.NewInt(20), nil))
		add("dfix", decimalText(fix, 4), false)
		add("date", strconv.Itoa(int(r.Date)), false)
		add("ts", strconv.FormatInt(r.TS, 10), false)
		add("i96", strconv.FormatInt(86400_000_000_000+int64(i)*3600_000_000_000, 10), false)
		add("uuid", "0x"+fmt.Sprintf("%x", r.UUID[:]), false)
		switch i % 3 {
		case 0:
			add("bin", fmt.Sprintf("bin%d", i), false)
		case 1:
			add("bin", fmt.Sprintf("0xff%02x", i), false)
		case 2:
			add("bin", "0x30783431", false)
		}
		if r.OptI != nil {
			add("opt_i", strconv.FormatInt(*r.OptI, 10), false)
		} else {
			add("opt_i", "", true)
		}
		if r.OptS != nil {
			add("opt_s", *r.OptS, false)
		} else {
			add("opt_s", "", true)
		}
		add("label", r.Label, false)
	}
	return m
}

// Spot checks of the text forms, written by hand.
var pqSpot = map[string]map[int]string{
	"d32":  {0: "-50.00", 3: "-0.05", 5: "11.70"},
	"d64":  {0: "-1000000.000", 9: "111111.101"},
	"dfix": {6: "0.0000", 5: "-10000000000000000.0000", 7: "10000000000000000.0000"},
	"i96":  {0: "86400000000000", 1: "90000000000000"},
	"u64":  {0: "18446744073709551615"},
	"f32":  {1: "0.25", 4: "1"},
	"i8":   {0: "-60"},
	"b":    {0: "true", 1: "false"},
}

type pqBuild struct {
	pageVersion int
	groups      []int // rows per row group
	kv          bool
}

func pqFile(t testing.TB, rows []pqRow, b pqBuild) []byte {
	t.Helper()
	var buf bytes.Buffer
	opts := []parquet.WriterOption{parquet.DataPageVersion(b.pageVersion)}
	if b.kv {
		opts = append(opts,
			parquet.KeyValueMetadata("ARROW:schema", pqArrow),
			parquet.KeyValueMetadata("pandas", pqPandas),
			parquet.KeyValueMetadata("writer.note", "kept as is"))
	}
	w := parquet.NewGenericWriter[pqRow](&buf, opts...)
	at := 0
	for _, n := range b.groups {
		if _, err := w.Write(rows[at : at+n]); err != nil {
			t.Fatal(err)
		}
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
		at += n
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func pqStandard(t testing.TB) []byte {
	return pqFile(t, pqRows(), pqBuild{pageVersion: 2, groups: []int{7, 5, 1}, kv: true})
}

func pqOpen(t testing.TB, data []byte) *ParquetFile {
	t.Helper()
	p, err := OpenParquet(bytes.NewReader(data), int64(len(data)), "test.parquet")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// pqOpenSeams opens data with the tests' seams s.
func pqOpenSeams(t testing.TB, data []byte, s parquetSeams) *ParquetFile {
	t.Helper()
	p, err := openParquetSeams(bytes.NewReader(data), int64(len(data)), "test.parquet", ParquetLimits{}, s)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func pqCol(t testing.TB, p *ParquetFile, name string) int {
	t.Helper()
	for _, c := range p.Columns() {
		if c.Name == name {
			return c.Index
		}
	}
	t.Fatalf("no column %s", name)
	return -1
}

// pqScan returns the cells of a flat column.
func pqScan(t testing.TB, p *ParquetFile, col int) []pqCell {
	t.Helper()
	var cells []pqCell
	err := p.ScanColumn(col, func(row int64, text []byte, null bool) error {
		if row != int64(len(cells)) {
			t.Fatalf("row %d after %d rows", row, len(cells))
		}
		cells = append(cells, pqCell{string(text), null})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return cells
}

// pqAll reads a file with parquet-go directly: rows, schema, row group sizes,
// codecs per chunk, key/value metadata.
type pqContent struct {
	rows   []parquet.Row
	schema string
	groups []int64
	codecs [][]format.CompressionCodec
	dict   [][]bool
	kv     map[string]string
	fields []parquet.Field
}

func pqRead(t testing.TB, data []byte) pqContent {
	t.Helper()
	f, err := parquet.OpenFile(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	var c pqContent
	c.schema = f.Schema().String()
	c.fields = f.Schema().Fields()
	c.kv = map[string]string{}
	for _, kv := range f.Metadata().KeyValueMetadata {
		c.kv[kv.Key] = kv.Value
	}
	for _, rg := range f.Metadata().RowGroups {
		c.groups = append(c.groups, rg.NumRows)
		var codecs []format.CompressionCodec
		var dict []bool
		for _, cc := range rg.Columns {
			codecs = append(codecs, cc.MetaData.Codec)
			isDict := false
			for _, e := range cc.MetaData.Encoding {
				if e == format.RLEDictionary || e == format.PlainDictionary {
					isDict = true
				}
			}
			dict = append(dict, isDict)
		}
		c.codecs = append(c.codecs, codecs)
		c.dict = append(c.dict, dict)
	}
	for _, rg := range f.RowGroups() {
		rr := rg.Rows()
		buf := make([]parquet.Row, 4)
		for {
			n, err := rr.ReadRows(buf)
			for _, r := range buf[:n] {
				c.rows = append(c.rows, r.Clone())
			}
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
		}
		rr.Close()
	}
	return c
}

func TestParquetColumns(t *testing.T) {
	t.Parallel()
	p := pqOpen(t, pqStandard(t))
	if p.NumRows() != 13 {
		t.Errorf("NumRows = %d, want 13", p.NumRows())
	}
	if got := fmt.Sprint(p.RowGroupSizes()); got != "[7 5 1]" {
		t.Errorf("RowGroupSizes = %s", got)
	}
	if kv := p.KeyValueMetadata(); kv["pandas"] != pqPandas || kv["ARROW:schema"] != pqArrow || kv["writer.note"] != "kept as is" {
		t.Errorf("KeyValueMetadata = %v", kv)
	}
	want := map[string]struct {
		typ      string
		flat     bool
		optional bool
	}{
		"b":                     {"BOOLEAN", true, false},
		"i8":                    {"INT32 (INT8)", true, false},
		"u16":                   {"INT32 (UINT16)", true, false},
		"u64":                   {"INT64 (UINT64)", true, false},
		"f32":                   {"FLOAT", true, false},
		"s":                     {"BYTE_ARRAY (STRING)", true, false},
		"enum":                  {"BYTE_ARRAY (ENUM)", true, false},
		"d32":                   {"INT32 (DECIMAL(9,2))", true, false},
		"dfix":                  {"FIXED_LEN_BYTE_ARRAY(16) (DECIMAL(38,4))", true, false},
		"date":                  {"INT32 (DATE)", true, false},
		"ts":                    {"INT64 (TIMESTAMP(MICROS, UTC))", true, false},
		"i96":                   {"INT96", true, false},
		"uuid":                  {"FIXED_LEN_BYTE_ARRAY(16) (UUID)", true, false},
		"bin":                   {"BYTE_ARRAY", true, false},
		"opt_i":                 {"INT64", true, true},
		"opt_s":                 {"BYTE_ARRAY (STRING)", true, true},
		"tags.list.element":     {"BYTE_ARRAY (STRING)", false, false},
		"nest.x":                {"INT32", false, false},
		"nest.y":                {"BYTE_ARRAY (STRING)", false, true},
		"label":                 {"BYTE_ARRAY (STRING)", true, false},
		"extra.key_value.value": {"BYTE_ARRAY (STRING)", false, false},
	}
	cols := p.Columns()
	seen := 0
	for i, c := range cols {
		if c.Index != i {
			t.Errorf("column %s has index %d at position %d", c.Name, c.Index, i)
		}
		w, ok := want[c.Name]
		if !ok {
			continue
		}
		seen++
		if c.Type != w.typ || c.Flat != w.flat || c.Optional != w.optional {
			t.Errorf("column %s: got (%q, flat %v, optional %v), want (%q, %v, %v)", c.Name, c.Type, c.Flat, c.Optional, w.typ, w.flat, w.optional)
		}
	}
	if seen != len(want) {
		t.Errorf("found %d of the %d expected columns in %v", seen, len(want), cols)
	}
	if cols[0].Name != "b" || cols[len(cols)-3].Name != "label" {
		t.Errorf("column order: %v", cols)
	}
}

func TestParquetScanColumn(t *testing.T) {
	t.Parallel()
	for _, version := range []int{1, 2} {
		t.Run(fmt.Sprintf("v%d", version), func(t *testing.T) {
			rows := pqRows()
			p := pqOpen(t, pqFile(t, rows, pqBuild{pageVersion: version, groups: []int{7, 5, 1}}))
			exp := pqExpected(rows)
			flat := 0
			for _, c := range p.Columns() {
				if !c.Flat {
					continue
				}
				flat++
				want, ok := exp[c.Name]
				if !ok {
					t.Errorf("unexpected flat column %s", c.Name)
					continue
				}
				got := pqScan(t, p, c.Index)
				if len(got) != len(want) {
					t.Errorf("column %s: %d rows, want %d", c.Name, len(got), len(want))
					continue
				}
				for r := range got {
					if got[r] != want[r] {
						t.Errorf("column %s row %d: got %+v, want %+v", c.Name, r, got[r], want[r])
					}
				}
				for r, s := range pqSpot[c.Name] {
					if got[r].text != s {
						t.Errorf("column %s row %d: got %q, want %q", c.Name, r, got[r].text, s)
					}
				}
			}
			if flat != len(exp) {
				t.Errorf("%d flat columns, want %d", flat, len(exp))
			}
		})
	}
}

func TestParquetScanColumnErrors(t *testing.T) {
	t.Parallel()
	p := pqOpen(t, pqStandard(t))
	err := p.ScanColumn(pqCol(t, p, "tags.list.element"), func(int64, []byte, bool) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "column tags.list.element is nested or repeated (BYTE_ARRAY (STRING), ") ||
		!strings.Contains(err.Error(), "fairflip cannot use it as a table cell") || !strings.HasPrefix(err.Error(), "test.parquet: ") {
		t.Errorf("nested column: %v", err)
	}
	if err := p.ScanColumn(1000, func(int64, []byte, bool) error { return nil }); err == nil {
		t.Error("no error for a column out of range")
	}
	stop := errors.New("stop")
	n := 0
	err = p.ScanColumn(0, func(row int64, _ []byte, _ bool) error {
		n++
		if row == 8 {
			return stop
		}
		return nil
	})
	if err != stop || n != 9 {
		t.Errorf("the callback's error: got %v after %d rows", err, n)
	}
}

func TestParquetRewriteIdentity(t *testing.T) {
	t.Parallel()
	for _, version := range []int{1, 2} {
		t.Run(fmt.Sprintf("v%d", version), func(t *testing.T) {
			data := pqFile(t, pqRows(), pqBuild{pageVersion: version, groups: []int{7, 5, 1}, kv: true})
			p := pqOpen(t, data)
			var out bytes.Buffer
			if err := RewriteParquet(p, &out, ParquetRewrite{DropColumn: -1}); err != nil {
				t.Fatal(err)
			}
			a, b := pqRead(t, data), pqRead(t, out.Bytes())
			pqSame(t, a, b)
			if fmt.Sprint(a.codecs) != fmt.Sprint(b.codecs) {
				t.Errorf("codecs: %v, want %v", b.codecs, a.codecs)
			}
			if fmt.Sprint(a.dict) != fmt.Sprint(b.dict) {
				t.Errorf("dictionary encoding: %v, want %v", b.dict, a.dict)
			}
			// The data page version is kept.
			q := pqOpen(t, out.Bytes())
			if v := q.chunkCheck(0, 0).pageVersion; v != version {
				t.Errorf("data page version %d, want %d", v, version)
			}
		})
	}
}

// pqSame checks that two files hold the same rows, schema, row groups and
// key/value metadata.
func pqSame(t *testing.T, a, b pqContent) {
	t.Helper()
	if a.schema != b.schema {
		t.Errorf("schema:\n%s\nwant:\n%s", b.schema, a.schema)
	}
	if fmt.Sprint(a.groups) != fmt.Sprint(b.groups) {
		t.Errorf("row groups %v, want %v", b.groups, a.groups)
	}
	if len(a.rows) != len(b.rows) {
		t.Fatalf("%d rows, want %d", len(b.rows), len(a.rows))
	}
	for i := range a.rows {
		if !a.rows[i].Equal(b.rows[i]) {
			t.Errorf("row %d:\n%v\nwant\n%v", i, b.rows[i], a.rows[i])
		}
	}
	if fmt.Sprint(a.kv) != fmt.Sprint(b.kv) {
		t.Errorf("key/value metadata:\n%v\nwant\n%v", b.kv, a.kv)
	}
}

func TestParquetRewriteFlipUndo(t *testing.T) {
	t.Parallel()
	rows := pqRows()
	data := pqStandard(t)
	p := pqOpen(t, data)
	orig := pqRead(t, data)
	iI32, iB, iS, iLabel := pqCol(t, p, "i32"), pqCol(t, p, "b"), pqCol(t, p, "s"), pqCol(t, p, "label")
	iOptS := pqCol(t, p, "opt_s")
	set := map[int]map[int64]string{
		iI32:   {0: "4242", 8: "-7", 12: "0"},
		iB:     {1: "true", 7: "false"},
		iS:     {6: "changed ✓"},
		iLabel: {1: "no", 5: "no", 8: "maybe", 12: "yes"},
		iOptS:  {2: "was null"}, // a null cell becomes a value
	}
	audit := map[int64]string{1: "fairflip/1 col=27 was=yes", 8: "audit 8", 12: ""}
	var out bytes.Buffer
	err := RewriteParquet(p, &out, ParquetRewrite{Set: set, AppendColumn: "fairflip_audit", Append: audit, DropColumn: -1})
	if err != nil {
		t.Fatal(err)
	}
	flipped := pqRead(t, out.Bytes())

	// Only the set cells changed; the audit column is last.
	nLeaves := len(p.Columns())
	if len(flipped.rows) != len(orig.rows) {
		t.Fatalf("%d rows, want %d", len(flipped.rows), len(orig.rows))
	}
	for r := range orig.rows {
		want := orig.rows[r].Clone()
		for i := range want {
			c := want[i].Column()
			if s, ok := set[c][int64(r)]; ok {
				v, err := parquetValueFromText(s, p.leaves[c])
				if err != nil {
					t.Fatal(err)
				}
				want[i] = v.Level(0, p.leaves[c].maxDef, c)
			}
		}
		if s, ok := audit[int64(r)]; ok {
			want = append(want, parquet.ByteArrayValue([]byte(s)).Level(0, 1, nLeaves))
		} else {
			want = append(want, parquet.NullValue().Level(0, 0, nLeaves))
		}
		if !want.Equal(flipped.rows[r]) {
			t.Errorf("row %d:\n%v\nwant\n%v", r, flipped.rows[r], want)
		}
	}
	q := pqOpen(t, out.Bytes())
	qc := q.Columns()
	if last := qc[len(qc)-1]; last.Name != "fairflip_audit" || !last.Flat || !last.Optional || last.Type != "BYTE_ARRAY (STRING)" || last.Index != nLeaves {
		t.Errorf("audit column: %+v", last)
	}
	if f := flipped.fields[len(flipped.fields)-1]; f.Name() != "fairflip_audit" || !f.Optional() || f.Type().LogicalType() == nil || f.Type().LogicalType().String() != "STRING" {
		t.Errorf("audit field: %v", f)
	}
	if got := pqScan(t, q, pqCol(t, q, "label")); got[8].text != "maybe" || got[1].text != "no" || got[3].text != rows[3].Label {
		t.Errorf("label after the flip: %v", got)
	}
	if got := pqScan(t, q, nLeaves); got[0] != (pqCell{"", true}) || got[1].text != audit[1] || got[12] != (pqCell{"", false}) {
		t.Errorf("audit cells: %v", got)
	}
	// Schema: the original's plus the audit column.
	if !strings.HasPrefix(flipped.schema, strings.TrimSuffix(orig.schema, "}")) || !strings.Contains(flipped.schema, "optional binary fairflip_audit (STRING);") {
		t.Errorf("schema:\n%s\noriginal:\n%s", flipped.schema, orig.schema)
	}
	// Codecs kept; the audit column gets the first column's codec.
	for g := range orig.codecs {
		want := append(append([]format.CompressionCodec{}, orig.codecs[g]...), orig.codecs[g][0])
		if fmt.Sprint(flipped.codecs[g]) != fmt.Sprint(want) {
			t.Errorf("row group %d codecs %v, want %v", g, flipped.codecs[g], want)
		}
		if !flipped.dict[g][iLabel] || !flipped.dict[g][pqCol(t, p, "dict")] {
			t.Errorf("row group %d: the dictionary-encoded columns lost their dictionary: %v", g, flipped.dict[g])
		}
	}
	if fmt.Sprint(flipped.groups) != "[7 5 1]" {
		t.Errorf("row groups %v", flipped.groups)
	}
	// Metadata: ARROW:schema stashed, pandas stashed and extended.
	kv := flipped.kv
	if _, ok := kv["ARROW:schema"]; ok || kv["fairflip.original.ARROW:schema"] != pqArrow {
		t.Errorf("ARROW:schema not stashed: %v", kv)
	}
	if kv["fairflip.original.pandas"] != pqPandas || kv["writer.note"] != "kept as is" {
		t.Errorf("metadata: %v", kv)
	}
	var pandas struct {
		Columns []map[string]any `json:"columns"`
		Version string           `json:"pandas_version"`
	}
	if err := json.Unmarshal([]byte(kv["pandas"]), &pandas); err != nil {
		t.Fatal(err)
	}
	if n := len(pandas.Columns); n != 3 || pandas.Version != "2.2.0" || pandas.Columns[1]["name"] != "label" {
		t.Errorf("pandas metadata: %s", kv["pandas"])
	} else if c := pandas.Columns[2]; c["name"] != "fairflip_audit" || c["field_name"] != "fairflip_audit" || c["pandas_type"] != "unicode" || c["numpy_type"] != "object" || c["metadata"] != nil {
		t.Errorf("pandas entry of the audit column: %v", c)
	}

	// Undo: set the cells back and drop the audit column.
	back := map[int]map[int64]string{}
	exp := pqExpected(rows)
	for c, cells := range set {
		back[c] = map[int64]string{}
		for r := range cells {
			back[c][r] = exp[p.leaves[c].name][r].text
		}
	}
	delete(back[iOptS], 2) // was null: a set cell cannot become null again
	var undone bytes.Buffer
	if err := RewriteParquet(q, &undone, ParquetRewrite{Set: back, DropColumn: nLeaves}); err != nil {
		t.Fatal(err)
	}
	u := pqRead(t, undone.Bytes())
	if v := u.rows[2][iOptS]; v.IsNull() || string(v.ByteArray()) != "was null" {
		t.Errorf("opt_s row 2 after undo: %v", v)
	}
	u.rows[2][iOptS] = orig.rows[2][iOptS]
	pqSame(t, orig, u)
	if fmt.Sprint(u.codecs) != fmt.Sprint(orig.codecs) {
		t.Errorf("codecs after undo %v, want %v", u.codecs, orig.codecs)
	}
}

func TestParquetRewriteDropMiddle(t *testing.T) {
	t.Parallel()
	data := pqStandard(t)
	p := pqOpen(t, data)
	orig := pqRead(t, data)
	drop := pqCol(t, p, "s")
	iLabel := pqCol(t, p, "label")
	var out bytes.Buffer
	err := RewriteParquet(p, &out, ParquetRewrite{DropColumn: drop, Set: map[int]map[int64]string{iLabel: {0: "x"}}})
	if err != nil {
		t.Fatal(err)
	}
	got := pqRead(t, out.Bytes())
	for r := range orig.rows {
		var want parquet.Row
		for _, v := range orig.rows[r] {
			c := v.Column()
			switch {
			case c == drop:
				continue
			case c == iLabel && r == 0:
				v = parquet.ByteArrayValue([]byte("x"))
			}
			if c > drop {
				c--
			}
			want = append(want, v.Level(v.RepetitionLevel(), v.DefinitionLevel(), c))
		}
		if !want.Equal(got.rows[r]) {
			t.Errorf("row %d:\n%v\nwant\n%v", r, got.rows[r], want)
		}
	}
	if strings.Contains(got.schema, " s (STRING)") || !strings.Contains(got.schema, " label (STRING)") {
		t.Errorf("schema: %s", got.schema)
	}
}

func TestParquetRewriteErrors(t *testing.T) {
	t.Parallel()
	p := pqOpen(t, pqStandard(t))
	i32, tags := pqCol(t, p, "i32"), pqCol(t, p, "tags.list.element")
	for _, tc := range []struct {
		rw   ParquetRewrite
		want string
	}{
		{ParquetRewrite{DropColumn: -1, Set: map[int]map[int64]string{i32: {3: "yes"}}}, `test.parquet: row 3: value "yes" does not fit column i32 (INT32)`},
		{ParquetRewrite{DropColumn: -1, Set: map[int]map[int64]string{i32: {13: "1"}}}, "row 13 is out of range"},
		{ParquetRewrite{DropColumn: -1, Set: map[int]map[int64]string{tags: {0: "1"}}}, "is nested or repeated"},
		{ParquetRewrite{DropColumn: tags}, "is nested or repeated"},
		{ParquetRewrite{DropColumn: -1, AppendColumn: "label"}, "already has a column label"},
		{ParquetRewrite{DropColumn: i32, Set: map[int]map[int64]string{i32: {0: "1"}}}, "both changed and dropped"},
	} {
		err := RewriteParquet(p, io.Discard, tc.rw)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: got %v, want %q", tc.rw, err, tc.want)
		}
	}
}

func TestParquetValueFromText(t *testing.T) {
	t.Parallel()
	p := pqOpen(t, pqStandard(t))
	leaf := func(name string) *parquetLeaf { return p.leaves[pqCol(t, p, name)] }
	// Errors.
	for _, tc := range []struct{ col, text string }{
		{"i32", "yes"}, {"i32", "2147483648"}, {"i8", "128"}, {"u8", "-1"}, {"u8", "256"}, {"u32", "4294967296"},
		{"b", "maybe"}, {"f32", "1e40"}, {"d32", "1.234"}, {"d32", "12345678.9"}, {"d32", "1.2.3"}, {"d32", ""},
		{"d32", "."}, {"d32", "1e3"}, {"uuid", "0x00"}, {"date", "1.5"}, {"i96", "x"},
	} {
		_, err := parquetValueFromText(tc.text, leaf(tc.col))
		want := fmt.Sprintf("value %q does not fit column %s (", tc.text, tc.col)
		if err == nil || !strings.HasPrefix(err.Error(), want) {
			t.Errorf("%s %q: got %v", tc.col, tc.text, err)
		}
	}
	// Round trips.
	for _, tc := range []struct{ col, text, back string }{
		{"d32", "123.45", ""}, {"d32", "-0.05", ""}, {"d32", "-123.4", "-123.40"}, {"d32", "7", "7.00"},
		{"d32", "1.500", "1.50"}, {"d32", "+.5", "0.50"}, {"d32", "-0", "0.00"}, {"d32", "9999999.99", ""},
		{"d64", "-999999999999999.999", ""}, {"d64", "0.001", ""},
		{"dfix", "-1234567890123456789012345678901.2345", ""}, {"dfix", "0.0001", ""}, {"dfix", "-0.0001", ""},
		{"u8", "255", ""}, {"u16", "65535", ""}, {"u32", "4294967295", ""}, {"u64", "18446744073709551615", ""},
		{"i8", "-128", ""}, {"i64", "-9223372036854775808", ""}, {"b", "true", ""}, {"b", "1", "true"},
		{"f32", "0.1", ""}, {"f64", "-1e-300", ""}, {"f64", "NaN", ""}, {"s", " padded ", ""}, {"enum", "C", ""},
		{"date", "-719162", ""}, {"ts", "1700000000000000", ""},
		{"i96", "0", ""}, {"i96", "-1", ""}, {"i96", "1700000000123456789", ""},
		{"uuid", "0x00112233445566778899aabbccddeeff", ""}, {"bin", "0x", "-"}, {"bin", "0xff00", ""},
		{"bin", "hello", ""}, {"bin", "0x3078", ""},
	} {
		l := leaf(tc.col)
		v, err := parquetValueFromText(tc.text, l)
		if err != nil {
			t.Errorf("%s %q: %v", tc.col, tc.text, err)
			continue
		}
		if v.Kind() != l.kind {
			t.Errorf("%s %q: kind %v, want %v", tc.col, tc.text, v.Kind(), l.kind)
		}
		want := tc.back
		switch want {
		case "":
			want = tc.text
		case "-":
			want = ""
		}
		if got := string(ParquetText(v, l.column())); got != want {
			t.Errorf("%s %q: back to %q, want %q", tc.col, tc.text, got, want)
		}
	}
	// Unsigned values are stored as the same bits.
	v, _ := parquetValueFromText("4294967295", leaf("u32"))
	if v.Int32() != -1 {
		t.Errorf("u32 4294967295 stored as %d", v.Int32())
	}
	v, _ = parquetValueFromText("-5", leaf("d32"))
	if v.Int32() != -500 {
		t.Errorf("d32 -5 stored as %d", v.Int32())
	}
	if b := ParquetText(parquet.NullValue(), leaf("s").column()); b != nil {
		t.Errorf("null: %q", b)
	}
}

// pqChunkSpan returns the byte range of a column chunk.
func pqChunkSpan(t *testing.T, data []byte, g, c int) (int64, int64) {
	f, err := parquet.OpenFile(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	m := f.Metadata().RowGroups[g].Columns[c].MetaData
	start := m.DataPageOffset
	if m.DictionaryPageOffset != 0 {
		start = m.DictionaryPageOffset
	}
	return start, start + m.TotalCompressedSize
}

// shortStep is the step of a sweep over a file's bytes: step, or a sample
// about 5 times sparser with -short (.ci/run's race detector run, which
// follows the full run).
func shortStep(step int) int {
	if testing.Short() {
		return 5*step + 2
	}
	return step
}

// pqUse opens data and uses every part of it; it reports the first error.
func pqUse(data []byte) error { return pqUseSeams(data, parquetSeams{}) }

// pqUseSeams is pqUse with the seams s.
func pqUseSeams(data []byte, s parquetSeams) (err error) {
	p, err := openParquetSeams(bytes.NewReader(data), int64(len(data)), "bad.parquet", ParquetLimits{}, s)
	if err != nil {
		return err
	}
	for _, c := range p.Columns() {
		if c.Flat {
			if err := p.ScanColumn(c.Index, func(int64, []byte, bool) error { return nil }); err != nil {
				return err
			}
		}
	}
	rw := ParquetRewrite{DropColumn: -1, AppendColumn: "audit"}
	if p.NumRows() > 0 {
		rw.Append = map[int64]string{0: "x"}
	}
	return RewriteParquet(p, io.Discard, rw)
}

func TestParquetBadInput(t *testing.T) {
	t.Parallel()
	data := pqStandard(t)
	check := func(what string, bad []byte, wantErr string) {
		t.Helper()
		var err error
		func() {
			defer func() {
				if r := recover(); r != nil {
					t.Fatalf("%s: panic: %v", what, r)
				}
			}()
			err = pqUse(bad)
		}()
		if err == nil {
			t.Errorf("%s: no error", what)
		} else if !strings.HasPrefix(err.Error(), "bad.parquet: ") || !strings.Contains(err.Error(), wantErr) {
			t.Errorf("%s: error %q, want it to contain %q", what, err, wantErr)
		}
	}
	check("empty", nil, "not a Parquet file")
	check("CSV", []byte("a,b\n1,2\n"), "not a Parquet file")
	check("magic only", []byte("PAR1"), "truncated")
	check("magic twice", []byte("PAR1PAR1"), "truncated")
	check("encrypted", append([]byte("PARE"), data[4:]...), "encrypted")
	for _, cut := range []int{5, 100, len(data) / 2, len(data) - 9, len(data) - 5, len(data) - 1} {
		check(fmt.Sprintf("cut at %d", cut), data[:cut], "")
	}
	// A footer length that does not fit.
	bad := bytes.Clone(data)
	bad[len(bad)-8] = 0xff
	bad[len(bad)-7] = 0xff
	bad[len(bad)-6] = 0xff
	check("footer length", bad, "footer length")
	// Corrupt pages: flip bytes in the middle of compressed and uncompressed
	// chunks (the pages carry a CRC); flipping bytes in page headers may go
	// unnoticed (statistics) but never panics.
	p := pqOpen(t, data)
	for _, name := range []string{"i32", "s", "i16", "tags.list.element", "dict", "b"} {
		c := pqCol(t, p, name)
		start, end := pqChunkSpan(t, data, 1, c)
		for _, at := range []int64{start + 2, (start + end) / 2, end - 3} {
			bad := bytes.Clone(data)
			bad[at] ^= 0x5a
			bad[at+1] ^= 0xa5
			if at == end-3 {
				check(fmt.Sprintf("%s flipped at %d", name, at), bad, "")
			} else {
				noPanic(t, fmt.Sprintf("%s flipped at %d", name, at), bad)
			}
		}
	}
	// Flipping a byte anywhere never panics: every 13th byte of this file,
	// every byte or every third byte of the small seed files (a sample, with
	// -short: .ci/run's race detector run).
	for at := 0; at < len(data); at += shortStep(13) {
		bad := bytes.Clone(data)
		bad[at] ^= 0xff
		noPanic(t, fmt.Sprintf("byte %d flipped", at), bad)
	}
	for i, seed := range pqSeeds(t) {
		step := 1
		if len(seed) > 1000 {
			step = 3
		}
		for at := 0; at < len(seed); at += shortStep(step) {
			bad := bytes.Clone(seed)
			bad[at] ^= 0xff
			noPanic(t, fmt.Sprintf("seed %d: byte %d flipped", i, at), bad)
		}
	}
}

// noPanic uses data with the recovery from panics turned off: the checks of
// this file, not the recovery, must stop corrupt data before parquet-go
// panics on it.
func noPanic(t *testing.T, what string, data []byte) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Fatalf("%s: panic: %v\n%s", what, r, debug.Stack())
		}
	}()
	_ = pqUseSeams(data, parquetSeams{panics: true})
}

// pqEditFooter rewrites the footer of a file (its pages are left as they are).
func pqEditFooter(t testing.TB, data []byte, edit func(*format.FileMetaData)) []byte {
	t.Helper()
	f, err := parquet.OpenFile(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	md := *f.Metadata()
	md.Schema = append(md.Schema[:0:0], md.Schema...)
	edit(&md)
	footer, err := thrift.Marshal(&thrift.CompactProtocol{}, &md)
	if err != nil {
		t.Fatal(err)
	}
	n := len(data) - 8 - int(binary.LittleEndian.Uint32(data[len(data)-8:]))
	out := append(bytes.Clone(data[:n]), footer...)
	out = binary.LittleEndian.AppendUint32(out, uint32(len(footer)))
	return append(out, "PAR1"...)
}

type pqLegacy struct {
	S string  `parquet:"s"`
	D int64   `parquet:"d,decimal(2:18)"`
	T int64   `parquet:"t,timestamp(millisecond)"`
	H [2]byte `parquet:"h"`
	N *int32  `parquet:"n"`
}

// Annotations written by older writers (converted types only), FLOAT16, which
// parquet-go does not know, and pyarrow's all-null columns (INT32 with the
// UNKNOWN logical type) are read and kept.
func TestParquetLegacyTypes(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	w := parquet.NewGenericWriter[pqLegacy](&buf)
	if _, err := w.Write([]pqLegacy{{S: "a", D: 12345, T: 1700000000000, H: [2]byte{0xff, 0x3c}}, {S: "b", D: -5, T: -1, H: [2]byte{'h', 'i'}}}); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	data := pqEditFooter(t, buf.Bytes(), func(md *format.FileMetaData) {
		for i := range md.Schema {
			e := &md.Schema[i]
			switch e.Name {
			case "s", "d", "t":
				e.LogicalType = format.LogicalType{} // converted type only
			case "h":
				e.LogicalType = format.LogicalType{Value: &format.Float16Type{}}
			case "n":
				e.LogicalType = format.LogicalType{Value: &format.NullType{}}
				e.ConvertedType.Valid = false
			}
		}
	})
	p := pqOpen(t, data)
	want := map[string]string{
		"s": "BYTE_ARRAY (STRING)", "d": "INT64 (DECIMAL(18,2))", "t": "INT64 (TIMESTAMP(MILLIS, UTC))",
		"h": "FIXED_LEN_BYTE_ARRAY(2) (FLOAT16)", "n": "INT32 (NULL)",
	}
	for _, c := range p.Columns() {
		if c.Type != want[c.Name] {
			t.Errorf("column %s: %q, want %q", c.Name, c.Type, want[c.Name])
		}
	}
	cells := map[string][]pqCell{}
	for _, c := range p.Columns() {
		cells[c.Name] = pqScan(t, p, c.Index)
	}
	if fmt.Sprint(cells) != "map[d:[{123.45 false} {-0.05 false}] h:[{0xff3c false} {hi false}] n:[{ true} { true}] s:[{a false} {b false}] t:[{1700000000000 false} {-1 false}]]" {
		t.Errorf("cells: %v", cells)
	}
	for _, seams := range []parquetSeams{{noSplice: true}, {}} {
		pqLegacyRewrite(t, pqOpenSeams(t, data, seams))
	}
}

// pqLegacyRewrite rewrites TestParquetLegacyTypes's file and checks the
// output's values, schema and statistics.
func pqLegacyRewrite(t *testing.T, p *ParquetFile) {
	var out bytes.Buffer
	err := RewriteParquet(p, &out, ParquetRewrite{DropColumn: -1, AppendColumn: "audit", Set: map[int]map[int64]string{pqCol(t, p, "d"): {1: "7.5"}, pqCol(t, p, "h"): {0: "0xff40"}}})
	if err != nil {
		t.Fatal(err)
	}
	q := pqOpen(t, out.Bytes())
	if c := pqScan(t, q, pqCol(t, q, "d")); c[1].text != "7.50" || c[0].text != "123.45" {
		t.Errorf("d after the rewrite: %v", c)
	}
	if c := pqScan(t, q, pqCol(t, q, "h")); c[0].text != "0xff40" || c[1].text != "hi" {
		t.Errorf("h after the rewrite: %v", c)
	}
	in, outMeta := p.meta, q.meta
	for i, e := range in.Schema {
		o := outMeta.Schema[i]
		if e.Name != o.Name || e.Type != o.Type || e.ConvertedType != o.ConvertedType || e.RepetitionType != o.RepetitionType ||
			e.Scale != o.Scale || e.Precision != o.Precision {
			t.Errorf("schema element %d: %+v, want %+v", i, o, e)
		}
		// The logical type is kept; a DECIMAL converted type alone gets its
		// logical type written beside it (parquet-go writes the scale and
		// precision only then), but by the splice, which writes the input's
		// schema elements as they are.
		switch {
		case p.copied != nil:
			if i == 0 {
				e.NumChildren.V++ // the appended column
			}
			if !reflect.DeepEqual(e, o) {
				t.Errorf("schema element %d: %+v, want the input's %+v", i, o, e)
			}
		case e.Name == "d":
			if o.LogicalType.Value == nil || o.LogicalType.Value.String() != "DECIMAL(18,2)" {
				t.Errorf("schema element d: logical type %v", o.LogicalType.Value)
			}
		case e.LogicalType.Value == nil:
			if o.LogicalType.Value != nil {
				t.Errorf("schema element %s: logical type %v added", e.Name, o.LogicalType.Value)
			}
		case o.LogicalType.Value == nil || e.LogicalType.Value.String() != o.LogicalType.Value.String():
			t.Errorf("schema element %s: logical type %v, want %v", e.Name, o.LogicalType.Value, e.LogicalType.Value)
		}
	}
	h := pqCol(t, q, "h")
	if st := outMeta.RowGroups[0].Columns[h].MetaData.Statistics; st.MinValue != nil || st.MaxValue != nil {
		t.Errorf("statistics written for a FLOAT16 column, which parquet-go would order as bytes: %+v", st)
	}
}

func TestParquetKeyValueRules(t *testing.T) {
	t.Parallel()
	orig := map[string]string{"ARROW:schema": pqArrow, "pandas": pqPandas, "x": "y"}
	app := func(in map[string]string, name string) map[string]string {
		return rewriteParquetKV(in, ParquetRewrite{DropColumn: -1, AppendColumn: name}, "")
	}
	drop := func(in map[string]string, name string) map[string]string {
		return rewriteParquetKV(in, ParquetRewrite{DropColumn: 0}, name)
	}
	once := app(orig, "audit")
	twice := app(once, "audit2")
	if twice["fairflip.original.pandas"] != pqPandas || twice["fairflip.original.ARROW:schema"] != pqArrow || twice["ARROW:schema"] != "" {
		t.Errorf("a second append changed the stash: %v", twice)
	}
	if !strings.Contains(twice["pandas"], `"audit"`) || !strings.Contains(twice["pandas"], `"audit2"`) {
		t.Errorf("pandas after two appends: %s", twice["pandas"])
	}
	if back := drop(twice, "audit2"); fmt.Sprint(back) != fmt.Sprint(orig) {
		t.Errorf("drop after append: %v, want %v", back, orig)
	}
	// Without a stash, dropping a column removes its pandas entry only.
	d := drop(orig, "label")
	if d["ARROW:schema"] != pqArrow || strings.Contains(d["pandas"], `"label"`) || !strings.Contains(d["pandas"], `"b"`) {
		t.Errorf("drop without a stash: %v", d)
	}
	// pandas metadata that is not JSON is left alone.
	bad := app(map[string]string{"pandas": "{", "ARROW:schema": "z"}, "audit")
	if fmt.Sprint(bad) != "map[fairflip.original.ARROW:schema:z pandas:{]" {
		t.Errorf("invalid pandas metadata: %v", bad)
	}
	if !IsParquetMagic([]byte("PAR1xyz")) || IsParquetMagic([]byte("PAR")) || IsParquetMagic([]byte("a,b")) {
		t.Error("IsParquetMagic")
	}
}

// panicReader panics on every read after the first after reads: a bug
// in fairflip's own code (which this test's reader is), called by
// parquet-go.
type panicReader struct {
	r     io.ReaderAt
	after atomic.Int64
	n     atomic.Int64
}

func (p *panicReader) ReadAt(b []byte, off int64) (int, error) {
	if p.n.Add(1) > p.after.Load() {
		panic("boom")
	}
	return p.r.ReadAt(b, off)
}

// A panic in fairflip's own code, even below parquet-go, is ErrInternal,
// naming the file, column and row group, never an invalid file; a panic
// inside parquet-go (or a library it calls) is ErrMalformed: parquet-go
// panics on some corrupt files.
func TestParquetRecover(t *testing.T) {
	t.Parallel()
	data := pqStandard(t)
	r := &panicReader{r: bytes.NewReader(data)}
	if _, err := OpenParquet(r, int64(len(data)), "test.parquet"); err == nil || !strings.HasPrefix(err.Error(), "test.parquet: a panic in fairflip's code while reading the file: boom\n") || !errors.Is(err, ErrInternal) {
		t.Errorf("OpenParquet: %v", err)
	}
	r = &panicReader{r: bytes.NewReader(data)}
	r.after.Store(1 << 30)
	p, err := OpenParquet(r, int64(len(data)), "test.parquet")
	if err != nil {
		t.Fatal(err)
	}
	r.after.Store(r.n.Load())
	err = p.ScanColumn(pqCol(t, p, "s"), func(int64, []byte, bool) error { return nil })
	if err == nil || !strings.HasPrefix(err.Error(), "test.parquet: a panic in fairflip's code while reading the file, column s, row group 0: boom\n") || !errors.Is(err, ErrInternal) || errors.Is(err, ErrMalformed) {
		t.Errorf("ScanColumn: %v", err)
	}
	if err := RewriteParquet(p, io.Discard, ParquetRewrite{DropColumn: -1}); err == nil || !errors.Is(err, ErrInternal) {
		t.Errorf("RewriteParquet: %v", err)
	}
	// parquet-go's group types panic on Kind.
	libraryPanic := func() (err error) {
		defer func() {
			if r := recover(); r != nil {
				recoverParquet(r, "test.parquet", "g", 2, &err)
			}
		}()
		_ = parquet.Group{}.Type().Kind()
		return nil
	}
	if err := libraryPanic(); err == nil || !strings.HasPrefix(err.Error(), "test.parquet: invalid Parquet file (") || !strings.HasSuffix(err.Error(), "), column g, row group 2") || !errors.Is(err, ErrMalformed) || errors.Is(err, ErrInternal) {
		t.Errorf("a panic in parquet-go: %v", err)
	}
	// A panic in the caller's function is the caller's.
	q := pqOpen(t, data)
	func() {
		defer func() {
			if r := recover(); r != "mine" {
				t.Errorf("recovered %v", r)
			}
		}()
		_ = q.ScanColumn(0, func(int64, []byte, bool) error { panic("mine") })
	}()
}

// pqSeeds are small valid files: one per codec and page version, plus a file
// without row groups.
func pqSeeds(t testing.TB) [][]byte {
	type small struct {
		A int32   `parquet:"a,zstd"`
		B *string `parquet:"b,snappy"`
		C bool    `parquet:"c,gzip"`
		D string  `parquet:"d,dict"`
		E []int64 `parquet:"e,list"`
		F float64 `parquet:"f,lz4"`
	}
	var seeds [][]byte
	for _, version := range []int{1, 2} {
		for _, n := range []int{0, 3} {
			var buf bytes.Buffer
			w := parquet.NewGenericWriter[small](&buf, parquet.DataPageVersion(version), parquet.KeyValueMetadata("pandas", `{"columns": []}`))
			for i := range n {
				s := strconv.Itoa(i)
				if _, err := w.Write([]small{{A: int32(i), B: &s, C: i%2 == 0, D: "x" + s, E: []int64{int64(i), 2}, F: float64(i) / 3}}); err != nil {
					t.Fatal(err)
				}
				if i == 1 {
					w.Flush()
				}
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			seeds = append(seeds, buf.Bytes())
		}
	}
	return seeds
}

// pqNoCRC rebuilds a file without page checksums, so that corrupt page
// bodies reach the decoders (parquet-go writes a CRC for every page, which
// catches almost any change to a page). The page indexes are dropped.
func pqNoCRC(t testing.TB, data []byte) []byte {
	t.Helper()
	return pqEditPages(t, data, func(h *format.PageHeader) { h.CRC = 0 })
}

func TestParquetCorruptPageBodies(t *testing.T) {
	t.Parallel()
	for i, seed := range pqSeeds(t) {
		data := pqNoCRC(t, seed)
		if err := pqUse(data); err != nil {
			t.Fatalf("seed %d without CRC: %v", i, err)
		}
		if i%2 == 0 {
			continue // no rows
		}
		footer := len(data) - 8 - int(binary.LittleEndian.Uint32(data[len(data)-8:]))
		for at := 4; at < footer; at += shortStep(1) {
			x := []byte{0xff, 0x01, 0x80}[at%3]
			bad := bytes.Clone(data)
			bad[at] ^= x
			noPanic(t, fmt.Sprintf("seed %d: byte %d ^ %#x", i, at, x), bad)
		}
	}
	// The pages of the big file, with every kind of column.
	data := pqNoCRC(t, pqStandard(t))
	a, b := pqRead(t, pqStandard(t)), pqRead(t, data)
	pqSame(t, a, b)
	footer := len(data) - 8 - int(binary.LittleEndian.Uint32(data[len(data)-8:]))
	for at := 4; at < footer; at += shortStep(11) {
		bad := bytes.Clone(data)
		bad[at] ^= 0x55
		noPanic(t, fmt.Sprintf("byte %d", at), bad)
	}
}

func TestParquetSeeds(t *testing.T) {
	t.Parallel()
	for i, s := range pqSeeds(t) {
		if err := pqUse(s); err != nil {
			t.Errorf("seed %d: %v", i, err)
		}
	}
}

func FuzzOpenParquet(f *testing.F) {
	for _, s := range pqSeeds(f) {
		f.Add(s)
		for _, cut := range []int{len(s) / 3, len(s) / 2, len(s) - 8} {
			f.Add(s[:cut])
		}
	}
	f.Add(pqFile(f, pqRows()[:4], pqBuild{pageVersion: 1, groups: []int{3, 1}}))
	for _, s := range pqSeeds(f) {
		f.Add(pqNoCRC(f, s))
	}
	f.Add(pqNoCRC(f, pqFile(f, pqRows()[:4], pqBuild{pageVersion: 2, groups: []int{3, 1}})))
	// pqExercise: small limits, and panics are not recovered.
	f.Fuzz(func(t *testing.T, data []byte) {
		// A small input that takes this long is a hang: crash the worker,
		// so that the fuzzer records the input.
		watchdog := time.AfterFunc(20*time.Second, func() { panic("FuzzOpenParquet: input takes more than 20 s") })
		defer watchdog.Stop()
		pqExercise(data)
	})
}

// ---------------------------------------------------------------------------
// The column-wise rewrite (parquet_rewrite.go), for files without repeated
// columns: its output must be byte for byte that of the row-wise rewrite.

// pqFlatRow is pqRow without its repeated columns (the list and the map):
// every leaf holds one value per row, the group column included.
type pqFlatRow struct {
	B     bool             `parquet:"b,snappy,id(7)"`
	I8    int8             `parquet:"i8,snappy"`
	I16   int16            `parquet:"i16"`
	I32   int32            `parquet:"i32,zstd"`
	I64   int64            `parquet:"i64,gzip"`
	U8    uint8            `parquet:"u8"`
	U16   uint16           `parquet:"u16,zstd"`
	U32   uint32           `parquet:"u32"`
	U64   uint64           `parquet:"u64,gzip"`
	F32   float32          `parquet:"f32"`
	F64   float64          `parquet:"f64,zstd"`
	S     string           `parquet:"s,snappy"`
	Dict  string           `parquet:"dict,dict,zstd"`
	Enum  string           `parquet:"enum,enum"`
	D32   int32            `parquet:"d32,decimal(2:9)"`
	D64   int64            `parquet:"d64,decimal(3:18),snappy"`
	DFix  [16]byte         `parquet:"dfix,decimal(4:38),gzip"`
	Date  int32            `parquet:"date,date"`
	TS    int64            `parquet:"ts,timestamp(microsecond),zstd"`
	I96   deprecated.Int96 `parquet:"i96"`
	UUID  [16]byte         `parquet:"uuid,uuid"`
	Bin   []byte           `parquet:"bin"`
	OptI  *int64           `parquet:"opt_i,snappy"`
	OptS  *string          `parquet:"opt_s,zstd"`
	Nest  pqNested         `parquet:"nest"`
	Label string           `parquet:"label,dict,snappy,id(42)"`
}

// pqFlatRows returns n rows: those of pqRows repeated, with the strings and
// numbers varied so that the pages of a large file differ.
func pqFlatRows(n int) []pqFlatRow {
	base := pqRows()
	rows := make([]pqFlatRow, n)
	for i := range rows {
		r := base[i%len(base)]
		k := i / len(base)
		f := &rows[i]
		f.B, f.I8, f.I16, f.I32, f.I64 = r.B, r.I8, r.I16, r.I32+int32(k), r.I64
		f.U8, f.U16, f.U32, f.U64, f.F32, f.F64 = r.U8, r.U16, r.U32, r.U64, r.F32, r.F64+float64(k)
		f.S, f.Dict, f.Enum, f.D32, f.D64, f.DFix = r.S, r.Dict, r.Enum, r.D32, r.D64, r.DFix
		if k > 0 {
			f.S = fmt.Sprintf("%s/%d", r.S, k)
			f.Dict = fmt.Sprintf("%s%d", r.Dict, k%7)
		}
		f.Date, f.TS, f.I96, f.UUID, f.Bin = r.Date, r.TS, r.I96, r.UUID, r.Bin
		f.OptI, f.OptS, f.Nest, f.Label = r.OptI, r.OptS, r.Nest, r.Label
	}
	return rows
}

// pqFlatFile writes rows in row groups of the given sizes; pageBuffer > 0
// makes small pages (many pages per column chunk).
func pqFlatFile(t testing.TB, rows []pqFlatRow, version int, groups []int, pageBuffer int) []byte {
	t.Helper()
	var buf bytes.Buffer
	opts := []parquet.WriterOption{
		parquet.DataPageVersion(version),
		parquet.KeyValueMetadata("ARROW:schema", pqArrow),
		parquet.KeyValueMetadata("pandas", pqPandas),
	}
	if pageBuffer > 0 {
		opts = append(opts, parquet.PageBufferSize(pageBuffer))
	}
	pqWriteGroups(t, parquet.NewGenericWriter[pqFlatRow](&buf, opts...), rows, groups)
	return buf.Bytes()
}

// pqWriteGroups writes rows with w in row groups of the given sizes, and
// closes w.
func pqWriteGroups[T any](t testing.TB, w *parquet.GenericWriter[T], rows []T, groups []int) {
	t.Helper()
	at := 0
	for _, n := range groups {
		if _, err := w.Write(rows[at : at+n]); err != nil {
			t.Fatal(err)
		}
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
		at += n
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

// pqRewriteBoth rewrites data row-wise and column-wise (with 1, 2 and 3
// goroutines) and checks that all fail or none does, and that the outputs
// are the same bytes (unless corrupt: a corrupt page can decode to bytes that
// depend on what parquet-go's buffers held before); then by splicing
// (pqSpliceToo). It returns the row-wise output and error.
func pqRewriteBoth(t *testing.T, what string, data []byte, corrupt bool, rw func(p *ParquetFile) ParquetRewrite) ([]byte, error) {
	t.Helper()
	var want []byte
	var wantErr error
	defer func() { pqSpliceToo(t, what, data, corrupt, rw, want, wantErr) }()
	for i, workers := range []int{-1, 1, 2, 3} {
		seams := parquetSeams{byRows: workers < 0, workers: workers, noSplice: true}
		var out bytes.Buffer
		var err error
		p, err := openParquetSeams(bytes.NewReader(data), int64(len(data)), "test.parquet", ParquetLimits{}, seams)
		if err == nil {
			if !seams.byRows && !(&parquetRewriter{p: p}).columnWise() {
				t.Fatalf("%s: not rewritten column by column", what)
			}
			err = RewriteParquet(p, &out, rw(p))
		}
		if err == nil {
			// Every rewrite checks: VerifyParquetRewrite passes on a good
			// input, and fails without panicking on a corrupt one.
			q, qerr := OpenParquet(bytes.NewReader(out.Bytes()), int64(out.Len()), "out.parquet")
			if qerr == nil {
				qerr = VerifyParquetRewrite(p, q, rw(p))
			}
			if qerr != nil && !corrupt {
				t.Errorf("%s, %d goroutines: the check of the rewrite fails: %v", what, workers, qerr)
			}
		}
		if i == 0 {
			want, wantErr = out.Bytes(), err
			continue
		}
		if (err == nil) != (wantErr == nil) {
			t.Errorf("%s, %d goroutines: error %v; row-wise: %v", what, workers, err, wantErr)
		} else if err == nil && !corrupt && !bytes.Equal(out.Bytes(), want) {
			t.Errorf("%s, %d goroutines: the output differs from the row-wise one", what, workers)
		}
	}
	return want, wantErr
}

func TestParquetRewriteColumnWise(t *testing.T) {
	t.Parallel()
	type file struct {
		name string
		data []byte
	}
	var files []file
	for _, v := range []int{1, 2} {
		files = append(files,
			file{fmt.Sprintf("small v%d", v), pqFlatFile(t, pqFlatRows(13), v, []int{7, 5, 1}, 0)},
			file{fmt.Sprintf("many pages v%d", v), pqFlatFile(t, pqFlatRows(5000), v, []int{2000, 1999, 1, 1000}, 512)})
	}
	for _, f := range files {
		orig := pqRead(t, f.data)
		n := int64(len(orig.rows))
		cells := func(every int64, text func(int64) string) map[int64]string {
			m := map[int64]string{}
			for r := int64(0); r < n; r += every {
				m[r] = text(r)
			}
			return m
		}
		for _, tc := range []struct {
			name string
			rw   func(p *ParquetFile) ParquetRewrite
		}{
			{"identity", func(*ParquetFile) ParquetRewrite { return ParquetRewrite{DropColumn: -1} }},
			{"flip", func(p *ParquetFile) ParquetRewrite {
				return ParquetRewrite{
					Set: map[int]map[int64]string{
						pqCol(t, p, "label"): cells(3, func(r int64) string { return fmt.Sprint("l", r%5) }),
						pqCol(t, p, "s"):     cells(7, func(r int64) string { return fmt.Sprint("changed ✓ ", r) }),
						pqCol(t, p, "i32"):   cells(11, func(r int64) string { return fmt.Sprint(-r) }),
						pqCol(t, p, "opt_s"): cells(2, func(r int64) string { return "was null?" }),
						pqCol(t, p, "b"):     {0: "false", n - 1: "true"},
					},
					AppendColumn: "fairflip_audit",
					Append:       cells(5, func(r int64) string { return fmt.Sprint("audit ", r) }),
					DropColumn:   -1,
				}
			}},
			{"drop middle", func(p *ParquetFile) ParquetRewrite {
				return ParquetRewrite{DropColumn: pqCol(t, p, "s"), Set: map[int]map[int64]string{pqCol(t, p, "label"): {0: "x", n - 1: "y"}}}
			}},
			{"drop and append", func(p *ParquetFile) ParquetRewrite {
				return ParquetRewrite{DropColumn: pqCol(t, p, "label"), AppendColumn: "label", Append: map[int64]string{1: "a"}}
			}},
		} {
			what := f.name + ", " + tc.name
			out, err := pqRewriteBoth(t, what, f.data, false, tc.rw)
			if err != nil {
				t.Fatalf("%s: %v", what, err)
			}
			got := pqRead(t, out)
			if tc.name == "identity" {
				pqSame(t, orig, got)
			}
			if fmt.Sprint(got.groups) != fmt.Sprint(orig.groups) {
				t.Errorf("%s: row groups %v, want %v", what, got.groups, orig.groups)
			}
		}
	}
}

// Corrupt flat files: the column-wise rewrite fails where the row-wise one
// does. (Panics are recovered here: parquet-go's RLE decoder can still panic
// on a corrupt page body, in both rewrites; the recovery turns that into an
// error, in the goroutines of the column-wise rewrite too.)
func TestParquetColumnWiseBadInput(t *testing.T) {
	t.Parallel()
	data := pqNoCRC(t, pqFlatFile(t, pqFlatRows(30), 2, []int{20, 9, 1}, 256))
	rw := func(p *ParquetFile) ParquetRewrite {
		return ParquetRewrite{DropColumn: -1, AppendColumn: "audit", Append: map[int64]string{0: "x"},
			Set: map[int]map[int64]string{pqCol(t, p, "label"): {3: "z"}}}
	}
	if _, err := pqRewriteBoth(t, "valid", data, false, rw); err != nil {
		t.Fatal(err)
	}
	footer := len(data) - 8 - int(binary.LittleEndian.Uint32(data[len(data)-8:]))
	step := 13
	if testing.Short() {
		step = 61
	}
	for at := 4; at < footer; at += step {
		bad := bytes.Clone(data)
		bad[at] ^= []byte{0xff, 0x01, 0x80}[at/3%3]
		pqRewriteBoth(t, fmt.Sprintf("byte %d", at), bad, true, func(p *ParquetFile) ParquetRewrite {
			rw := ParquetRewrite{DropColumn: -1, AppendColumn: "audit", Append: map[int64]string{0: "x"}}
			for _, c := range p.Columns() {
				if c.Name == "label" {
					rw.Set = map[int]map[int64]string{c.Index: {3: "z"}}
				}
			}
			return rw
		})
	}
}

// A panic while writing column-wise becomes an error, and no goroutine is
// left running.
func TestParquetColumnWiseRecover(t *testing.T) {
	data := pqFlatFile(t, pqFlatRows(5000), 1, []int{2000, 2000, 1000}, 512)
	before := runtime.NumGoroutine()
	for _, after := range []int64{0, 5, 40} {
		r := &panicReader{r: bytes.NewReader(data)}
		r.after.Store(1 << 30)
		p, err := OpenParquet(r, int64(len(data)), "test.parquet")
		if err != nil {
			t.Fatal(err)
		}
		// Every page is checked (and read) before anything is written: let
		// the checks pass, then panic while the columns are written.
		for g := range p.meta.RowGroups {
			for c := range p.leaves {
				if err := p.checkChunk(g, c); err != nil {
					t.Fatal(err)
				}
			}
		}
		r.after.Store(r.n.Load() + after)
		err = RewriteParquet(p, io.Discard, ParquetRewrite{DropColumn: -1, AppendColumn: "audit"})
		if err == nil || !strings.HasPrefix(err.Error(), "test.parquet: a panic in fairflip's code while reading the file, column ") || !strings.Contains(err.Error(), ", row group ") || !errors.Is(err, ErrInternal) {
			t.Errorf("after %d reads: %v", after, err)
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Errorf("%d goroutines, %d before", n, before)
	}
}

// failReader fails every read after the first after reads with an error
// that is not an *fs.PathError (as a network file system's may be).
type failReader struct {
	r     io.ReaderAt
	after atomic.Int64
	n     atomic.Int64
}

func (f *failReader) ReadAt(b []byte, off int64) (int, error) {
	if f.n.Add(1) > f.after.Load() {
		return 0, syscall.EIO
	}
	return f.r.ReadAt(b, off)
}

// TestParquetReadErrorIsIO: a read that fails is ErrIO, never a corrupt
// file (ErrMalformed), whether parquet-go passes the error on or words it
// into a message of its own; a file cut short is ErrMalformed.
func TestParquetReadErrorIsIO(t *testing.T) {
	t.Parallel()
	data := pqStandard(t)
	r := &failReader{r: bytes.NewReader(data)}
	if _, err := OpenParquet(r, int64(len(data)), "test.parquet"); !errors.Is(err, ErrIO) || errors.Is(err, ErrMalformed) {
		t.Errorf("open: %v", err)
	}
	for _, reads := range []int64{0, 1, 2, 3} {
		r := &failReader{r: bytes.NewReader(data)}
		r.after.Store(1 << 30)
		pf, err := OpenParquet(r, int64(len(data)), "test.parquet")
		if err != nil {
			t.Fatal(err)
		}
		tb := &parquetTable{pf: pf}
		r.after.Store(r.n.Load() + reads)
		err = tb.Read(context.Background(), tb.Whole(), []int{0, 1, 2}, func(*Row) error { return nil })
		if !errors.Is(err, ErrIO) || errors.Is(err, ErrMalformed) {
			t.Errorf("a read failing after %d reads: %v", reads, err)
		}
	}
	cut := data[:len(data)-40]
	if _, err := OpenParquet(bytes.NewReader(cut), int64(len(cut)), "test.parquet"); err == nil || errors.Is(err, ErrIO) {
		t.Errorf("a file cut short: %v", err)
	}
}
