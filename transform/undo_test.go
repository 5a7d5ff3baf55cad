package transform

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/fairflip/fairflip/internal/fferr"
	tableio "github.com/fairflip/fairflip/io"
)

func TestParseAuditStrict(t *testing.T) {
	t.Parallel()
	good := []struct {
		cell string
		want AuditEntry
	}{
		{"fairflip/1 col=4 method=random score=0.5 was=0", AuditEntry{Column: 4, Method: "random", Score: "0.5", Was: "0", Raw: true}},
		{"fairflip/1 col=12 method=rb-prob score=-1.5e+06 was= <=50K", AuditEntry{Column: 12, Method: "rb-prob", Score: "-1.5e+06", Was: " <=50K", Raw: true}},
		{`fairflip/1 col=1 method=rb-dist score=NaN was="a, ""b"""`, AuditEntry{Column: 1, Method: "rb-dist", Score: "NaN", Was: `"a, ""b"""`, Raw: true}},
		{"fairflip/1 col=2 method=rb-label score=3 value=", AuditEntry{Column: 2, Method: "rb-label", Score: "3", Was: ""}},
		{"fairflip/1 col=2 method=random score=0 value=x was=y", AuditEntry{Column: 2, Method: "random", Score: "0", Was: "x was=y"}},
		// How flip read a CSV file (AuditRead): each key only when it applies.
		{"fairflip/1 col=15 label=#15 header=no method=rb-prob score=0.5 was= <=50K", AuditEntry{Column: 15, Label: "#15", Method: "rb-prob", Score: "0.5", Was: " <=50K", Raw: true, Read: AuditRead{NoHeader: true}}},
		{"fairflip/1 col=15 label=#15 header=no skip-lines=1 method=rb-prob score=0.5 was= <=50K.", AuditEntry{Column: 15, Label: "#15", Method: "rb-prob", Score: "0.5", Was: " <=50K.", Raw: true, Read: AuditRead{NoHeader: true, SkipLines: 1}}},
		{"fairflip/1 col=2 label=y skip-lines=12 comment=# method=random score=0 was=0", AuditEntry{Column: 2, Label: "y", Method: "random", Score: "0", Was: "0", Raw: true, Read: AuditRead{SkipLines: 12, Comment: '#'}}},
		{"fairflip/1 col=2 header=no comment=%25 method=random score=0 was=0", AuditEntry{Column: 2, Method: "random", Score: "0", Was: "0", Raw: true, Read: AuditRead{NoHeader: true, Comment: '%'}}},
		{"fairflip/1 col=2 comment=%20 method=random score=0 was=0", AuditEntry{Column: 2, Method: "random", Score: "0", Was: "0", Raw: true, Read: AuditRead{Comment: ' '}}},
		{"fairflip/1 col=2 comment=%C3 method=random score=0 was=0", AuditEntry{Column: 2, Method: "random", Score: "0", Was: "0", Raw: true, Read: AuditRead{Comment: 0xc3}}},
		{`fairflip/1 col=2 comment=" method=random score=0 was=0`, AuditEntry{Column: 2, Method: "random", Score: "0", Was: "0", Raw: true, Read: AuditRead{Comment: '"'}}},
	}
	for _, c := range good {
		e, err := ParseAudit(c.cell)
		if err != nil || e != c.want {
			t.Errorf("ParseAudit(%q) = %+v, %v; want %+v", c.cell, e, err, c.want)
		}
		if back := FormatAudit(e); back != c.cell {
			t.Errorf("FormatAudit(ParseAudit(%q)) = %q", c.cell, back)
		}
	}
	bad := []string{
		"", "hello", "fairflip/2 col=4 method=random score=0.5 was=0",
		"fairflip/1 col=4 method=random was=0",               // no score
		"fairflip/1 method=random col=4 score=0.5 was=0",     // keys out of order
		"fairflip/1 col=4 col=5 method=random score=1 was=0", // a key twice
		"fairflip/1 col=4 method=random score=1 x=1 was=0",   // an unknown key
		"fairflip/1 col=04 method=random score=1 was=0",      // a leading zero
		"fairflip/1 col=+4 method=random score=1 was=0",
		"fairflip/1 col=0 method=random score=1 was=0",
		"fairflip/1 col=99999999999999999999 method=random score=1 was=0",
		"fairflip/1 col=4 method=magic score=1 was=0",
		"fairflip/1 col=4 method=random score=high was=0",
		"fairflip/1 col=4 method=random score=1  was=0", // two spaces
		"fairflip/1 col=4 method=random score=1 was",
		"fairflip/1  col=4 method=random score=1 was=0",
		"fairflip/1 col=4 method=random score=1 was=\xff",
		// The keys of AuditRead: strict values, in their order, after label=.
		"fairflip/1 col=4 header=yes method=random score=1 was=0",
		"fairflip/1 col=4 header= method=random score=1 was=0",
		"fairflip/1 col=4 header=no header=no method=random score=1 was=0",
		"fairflip/1 col=4 skip-lines=0 method=random score=1 was=0",
		"fairflip/1 col=4 skip-lines=01 method=random score=1 was=0",
		"fairflip/1 col=4 skip-lines=-1 method=random score=1 was=0",
		"fairflip/1 col=4 skip-lines=99999999999999999999 method=random score=1 was=0",
		"fairflip/1 col=4 comment= method=random score=1 was=0",
		"fairflip/1 col=4 comment=ab method=random score=1 was=0",
		"fairflip/1 col=4 comment=%23 method=random score=1 was=0", // # is written as it is
		"fairflip/1 col=4 comment=%2 method=random score=1 was=0",
		"fairflip/1 col=4 comment=%0a method=random score=1 was=0",
		"fairflip/1 col=4 skip-lines=1 header=no method=random score=1 was=0", // out of order
		"fairflip/1 col=4 header=no label=y method=random score=1 was=0",      // before label=
		"fairflip/1 col=4 comment=# skip-lines=1 method=random score=1 was=0", // out of order
		"fairflip/1 col=4 label=y method=random header=no score=1 was=0",      // after method=
		"fairflip/1 col=4 label=y header=no",                                  // ends there
		"fairflip/1 col=4 label=y header=no  method=random score=1 was=0",     // two spaces
	}
	for _, c := range bad {
		if e, err := ParseAudit(c); err == nil {
			t.Errorf("ParseAudit(%q) accepted it: %+v", c, e)
		}
	}
}

// undoTable is flipped in the tests below: rows 1, 3 and 4 (lines 2, 4, 5)
// are the minority's negatives, all flipped to 1.
const undoTable = "id,age,g,y\n1,30,min,0\n2,40,maj,1\n3,50,min,0\n4,60,min,0\n5,20,maj,0\n"

func flipAllNegatives(t *testing.T, in string, d tableio.Dialect) string {
	t.Helper()
	o := baseOpts()
	o.Dialect = d
	o.Method, o.Flips = MethodRandom, FlipRule{Kind: FlipPercent, Percent: 100}
	out, p, err := flipBytes(t, in, o)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Rows) == 0 {
		t.Fatal("nothing flipped")
	}
	return out
}

// setCells returns csv with cell col(number of cells) of the records on
// the lines of cells set to the given raw bytes.
func setCells(t *testing.T, csv string, d tableio.Dialect, col func(n int) int, cells map[int]string) string {
	t.Helper()
	return editCells(t, csv, d, func(rec *tableio.Record, i int, _ byte) []byte {
		if v, ok := cells[rec.Line]; ok && i == col(len(rec.Fields)) {
			return []byte(v)
		}
		return nil
	})
}

func last(n int) int { return n - 1 }

func TestUndoRefusesHostileAuditCells(t *testing.T) {
	t.Parallel()
	d := tableio.Dialect{Header: true}
	flipped := flipAllNegatives(t, undoTable, d)
	// The audit cell of line 2 as flip wrote it, and a helper to vary it.
	lines := strings.Split(flipped, "\n")
	cell2 := lines[1][strings.Index(lines[1], "fairflip/1"):]
	score := strings.Fields(cell2)[4]
	audit := func(rest string) string { return "fairflip/1 " + strings.Replace(rest, "SCORE", score, 1) }
	quoted := func(s string) string { return string(tableio.AppendQuoted(nil, s)) }
	label := func(n int) int { return 3 }
	cases := []struct {
		name  string
		col   func(int) int
		cells map[int]string
		msg   string // after "f.csv:LINE: column N (name): "
	}{
		{"delimiter in was", last, map[int]string{2: quoted(audit("col=4 label=y method=random SCORE was=0,x"))},
			`2: column 5 (fairflip_audit): restoring the label cell "0,x" in column 4 (y) would change the number of cells of the record`},
		{"bare quote in was", last, map[int]string{2: quoted(audit(`col=4 label=y method=random SCORE was=0"`))},
			`2: column 5 (fairflip_audit): restoring the label cell "0\"" in column 4 (y) would not leave one well-formed CSV record`},
		{"unclosed quote in was", last, map[int]string{2: quoted(audit(`col=4 label=y method=random SCORE was="0`))},
			`2: column 5 (fairflip_audit): restoring the label cell "\"0" in column 4 (y) would not leave one well-formed CSV record`},
		{"line break injecting a row", last, map[int]string{2: quoted(audit("col=4 label=y method=random SCORE was=0\n9,99,maj,1"))},
			`2: column 5 (fairflip_audit): restoring the label cell "0\n9,99,maj,1" in column 4 (y) would split the record in two`},
		{"CR line end in was", last, map[int]string{2: quoted(audit("col=4 label=y method=random SCORE was=0\r"))},
			`2: column 5 (fairflip_audit): restoring the label cell "0\r" in column 4 (y) would change the record's line end`},
		{"col names another column", last, map[int]string{4: audit("col=2 label=age method=random SCORE was=0")},
			`4: column 5 (fairflip_audit): the audit cell names column 2 (age), but the one on line 2 names column 4 (y): flip records one label column`},
		{"every col names another column", last, map[int]string{2: audit("col=2 label=age method=random SCORE was=0"), 4: audit("col=2 label=age method=random SCORE was=0"), 5: audit("col=2 label=age method=random SCORE was=0")},
			`4: column 2 (age): the label is "50" on a row with an audit cell, but "30" on line 2: flip writes one value on every row it flips`},
		{"col names the audit column", last, map[int]string{2: audit("col=5 method=random SCORE was=0")},
			`2: column 5 (fairflip_audit): the audit cell names column 5, which is not a label column of this file`},
		{"col beyond the last column", last, map[int]string{2: audit("col=9 method=random SCORE was=0")},
			`2: column 5 (fairflip_audit): the audit cell names column 9, which is not a label column`},
		{"unparsable cell", last, map[int]string{5: audit("col=4 method=random was=0")},
			`5: column 5 (fairflip_audit): audit cell "fairflip/1 col=4 method=random was=0": no score=`},
		{"was is the flipped value", last, map[int]string{2: audit("col=4 label=y method=random SCORE was=1.0")},
			`2: column 5 (fairflip_audit): the audit cell records the label "1.0", which is the value flipped rows hold ("1")`},
		{"empty was", last, map[int]string{2: audit("col=4 label=y method=random SCORE was=")},
			`2: column 5 (fairflip_audit): the audit cell records the label "", a missing value`},
		{"label changed on a flipped row", label, map[int]string{4: "yes"},
			`4: column 4 (y): the label is "yes" on a row with an audit cell, but "1" on line 2`},
		{"label emptied on a flipped row", label, map[int]string{2: ""},
			`2: column 4 (y): the label "" on a row with an audit cell is a missing value`},
		{"invalid UTF-8 in an audit cell", last, map[int]string{2: audit("col=4 label=y method=random SCORE was=\xff")},
			`2: column 5 (fairflip_audit): invalid UTF-8`},
		{"every col edited to the sensitive column, label= kept", last, map[int]string{2: audit("col=3 label=y method=random SCORE was=0"), 4: audit("col=3 label=y method=random SCORE was=0"), 5: audit("col=3 label=y method=random SCORE was=0")},
			`2: column 5 (fairflip_audit): the audit cell names column 3, whose name is "g", but records the label column as "y": it was edited, or written for another file`},
		{"a cell without label= (an older fairflip's, or edited)", last, map[int]string{2: audit("col=4 method=random SCORE was=0")},
			`2: column 5 (fairflip_audit): the audit cell names column 4 (y) without its name (label=`},
		{"label= of a headerless file in a file with a header", last, map[int]string{2: audit("col=4 label=#4 method=random SCORE was=0")},
			`2: column 5 (fairflip_audit): the audit cell names column 4, whose name is "y", but records the label column as "#4"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			edited := setCells(t, flipped, d, c.col, c.cells)
			outBytes, _, err := undoFile(t, "f.csv", []byte(edited), UndoOptions{Dialect: d})
			out := bytes.NewBuffer(outBytes)
			if !errors.Is(err, fferr.ErrData) {
				t.Fatalf("undo of\n%s\nerror %v, want a data error", edited, err)
			}
			if want := "f.csv:" + c.msg; !strings.Contains(err.Error(), want) {
				t.Fatalf("error\n%v\nwant it to contain\n%s", err, want)
			}
			if out.Len() != 0 {
				t.Fatalf("undo wrote %q", out.String())
			}
		})
	}
}

func TestUndoRefusesOtherHostileFiles(t *testing.T) {
	t.Parallel()
	a := "fairflip/1 col=2 label=y method=random score=0.5 was=0"
	cases := []struct {
		name, in string
		d        tableio.Dialect
		msg      string
	}{
		{"two audit columns", "g,y,fairflip_audit,fairflip_audit\nmin,1," + a + ",\n", tableio.Dialect{Header: true},
			`f.csv:1: column 4 (fairflip_audit): a second audit column "fairflip_audit" (the first is column 3)`},
		{"a restored record that becomes a comment", "y,g,fairflip_audit\n1,min,fairflip/1 col=1 label=y method=random score=0.5 was=#0\n", tableio.Dialect{Header: true, Comment: '#'},
			`f.csv:2: column 3 (fairflip_audit): restoring the label cell "#0" in column 1 (y) would turn the record into a line that is not part of the table`},
		{"a header read as data", "g,y,fairflip_audit\nmin,1," + a + "\n", tableio.Dialect{},
			`f.csv:1: column 3: audit cell "fairflip_audit" was not written by fairflip`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			outBytes, _, err := undoFile(t, "f.csv", []byte(c.in), UndoOptions{Dialect: c.d})
			out := bytes.NewBuffer(outBytes)
			if !errors.Is(err, fferr.ErrData) || !strings.Contains(err.Error(), c.msg) {
				t.Fatalf("error %v, want a data error containing %q", err, c.msg)
			}
			if out.Len() != 0 {
				t.Fatalf("undo wrote %q", out.String())
			}
		})
	}
}

// TestUndoForms: the files undo accepts beyond a plain flip's output.
func TestUndoForms(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, in, want string
		d              tableio.Dialect
		restored       int
	}{
		{"audit column not last", "a,fairflip_audit,y\n1,fairflip/1 col=3 label=y method=random score=0.5 was=0,1\n2,,1\n", "a,y\n1,0\n2,1\n", tableio.Dialect{Header: true}, 1},
		{"audit column first", "fairflip_audit,a,y\n\"fairflip/1 col=3 label=y method=random score=0.5 was= \"\"0\"\" \",1, 1\n,2,1\n", "a,y\n1, \"0\" \n2,1\n", tableio.Dialect{Header: true}, 1},
		{"headerless", "x,1,fairflip/1 col=2 label=#2 method=random score=0.5 was=0\r\ny,1,\r\n", "x,0\r\ny,1\r\n", tableio.Dialect{}, 1},
		{"value= from a Parquet file", "a,y,fairflip_audit\n1,yes,\"fairflip/1 col=2 label=y method=rb-prob score=0.9 value=no, thanks\"\n", "a,y\n1,\"no, thanks\"\n", tableio.Dialect{Header: true}, 1},
		{"audit-looking text elsewhere", "note,y,fairflip_audit\nfairflip/1 col=2 method=random score=0.5 was=zzz,1,fairflip/1 col=2 label=y method=random score=0.5 was=0\n", "note,y\nfairflip/1 col=2 method=random score=0.5 was=zzz,0\n", tableio.Dialect{Header: true}, 1},
		{"nothing flipped", "a,y,fairflip_audit\n1,0,\n2,1,\n", "a,y\n1,0\n2,1\n", tableio.Dialect{Header: true}, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			outBytes, sum, err := undoFile(t, "f.csv", []byte(c.in), UndoOptions{Dialect: c.d})
			out := bytes.NewBuffer(outBytes)
			if err != nil {
				t.Fatal(err)
			}
			if out.String() != c.want || sum.Restored != c.restored {
				t.Fatalf("undo gave %q (%d restored), want %q (%d)", out.String(), sum.Restored, c.want, c.restored)
			}
		})
	}
}

// parquetFlipped flips a Parquet file made from undoTable with a text label.
func parquetFlipped(t *testing.T) (orig, flipped []byte) {
	t.Helper()
	orig = toParquet(t, strings.NewReplacer(",0\n", ",no\n", ",1\n", ",yes\n").Replace(undoTable), 2)
	o := baseOpts()
	o.Positive = []string{"yes"}
	o.Method, o.Flips = MethodRandom, FlipRule{Kind: FlipPercent, Percent: 100}
	out, _, err := flipBytes(t, string(orig), o)
	if err != nil {
		t.Fatal(err)
	}
	return orig, []byte(out)
}

// setParquet returns the Parquet file b with cells of columns set (text
// forms).
func setParquet(t *testing.T, b []byte, set map[int]map[int64]string) []byte {
	t.Helper()
	pf := openPQ(t, "f.parquet", b)
	var out bytes.Buffer
	if err := tableio.RewriteParquet(pf, &out, tableio.ParquetRewrite{Set: set, DropColumn: -1}); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

func TestUndoParquetRefusesHostileAuditCells(t *testing.T) {
	t.Parallel()
	orig, flipped := parquetFlipped(t)
	// Columns: id, age, g, y (STRING), fairflip_audit. Rows 0, 2, 3 are flipped.
	const auditCol, labelCol = 4, 3
	a := func(rest string) string { return "fairflip/1 " + rest }
	cases := []struct {
		name string
		set  map[int]map[int64]string
		msg  string
	}{
		{"col names another column", map[int]map[int64]string{auditCol: {2: a("col=2 label=age method=random score=0.5 value=0")}},
			"f.parquet: row 3: column 5 (fairflip_audit): the audit cell names column 2 (age), but the one on row 1 names column 4 (y)"},
		{"every col names another column", map[int]map[int64]string{auditCol: {0: a("col=2 label=age method=random score=0.5 value=0"), 2: a("col=2 label=age method=random score=0.5 value=0"), 3: a("col=2 label=age method=random score=0.5 value=0")}},
			"f.parquet: row 3: column 2 (age): the label is \"50\" on a row with an audit cell, but \"30\" on row 1"},
		{"col names the audit column", map[int]map[int64]string{auditCol: {0: a("col=5 method=random score=0.5 value=no")}},
			"f.parquet: row 1: column 5 (fairflip_audit): the audit cell names column 5, which is not a label column"},
		{"value not in its exact form", map[int]map[int64]string{auditCol: {0: a("col=1 label=id method=random score=0.5 value=+1"), 2: a("col=1 label=id method=random score=0.5 value=2"), 3: a("col=1 label=id method=random score=0.5 value=3")}, 0: {0: "7", 2: "7", 3: "7"}},
			`f.parquet: row 1: column 5 (fairflip_audit): the audit cell records the value "+1", which column id (INT64) holds as "1"`},
		{"value of another type", map[int]map[int64]string{auditCol: {0: a("col=1 label=id method=random score=0.5 value=abc"), 2: a("col=1 label=id method=random score=0.5 value=2"), 3: a("col=1 label=id method=random score=0.5 value=3")}, 0: {0: "7", 2: "7", 3: "7"}},
			`f.parquet: row 1: column 5 (fairflip_audit): the audit cell records a label that column id cannot hold: "abc" is not a value of column id (INT64)`},
		{"was is the flipped value", map[int]map[int64]string{auditCol: {0: a("col=4 label=y method=random score=0.5 value=yes")}},
			`f.parquet: row 1: column 5 (fairflip_audit): the audit cell records the label "yes", which is the value flipped rows hold`},
		{"missing was", map[int]map[int64]string{auditCol: {0: a("col=4 label=y method=random score=0.5 value=NA")}},
			`f.parquet: row 1: column 5 (fairflip_audit): the audit cell records the label "NA", a missing value`},
		{"label changed on a flipped row", map[int]map[int64]string{labelCol: {2: "maybe"}},
			`f.parquet: row 3: column 4 (y): the label is "maybe" on a row with an audit cell, but "yes" on row 1`},
		{"unparsable cell", map[int]map[int64]string{auditCol: {3: "fairflip/1 col=4 was=no"}},
			`f.parquet: row 4: column 5 (fairflip_audit): audit cell "fairflip/1 col=4 was=no": no method=`},
		{"invalid UTF-8", map[int]map[int64]string{auditCol: {0: a("col=4 method=random score=0.5 value=\xff")}},
			`f.parquet: row 1: column 5 (fairflip_audit): audit cell "fairflip/1 col=4 method=random score=0.5 value=\xff" is not valid UTF-8`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			edited := setParquet(t, flipped, c.set)
			outBytes, _, err := undoFile(t, "f.parquet", edited, UndoOptions{})
			out := bytes.NewBuffer(outBytes)
			if !errors.Is(err, fferr.ErrData) || !strings.Contains(err.Error(), c.msg) {
				t.Fatalf("error\n%v\nwant a data error containing\n%s", err, c.msg)
			}
			if out.Len() != 0 {
				t.Fatalf("undo wrote %d bytes", out.Len())
			}
		})
	}
	// Unedited, undo gives back the original columns.
	checkParquetUndo(t, "f.parquet", orig, flipped)
}

// TestUndoParquetFromCSV: a CSV flip converted to Parquet records raw CSV
// cells (was=), whose values undo restores.
func TestUndoParquetFromCSV(t *testing.T) {
	t.Parallel()
	in := "g,y\nmin,\"no\"\nmaj,yes\nmin, no\n"
	o := baseOpts()
	o.Positive = []string{"yes"}
	o.Method, o.Flips = MethodRandom, FlipRule{Kind: FlipPercent, Percent: 100}
	flipped, _, err := flipBytes(t, in, o)
	if err != nil {
		t.Fatal(err)
	}
	pq := toParquet(t, flipped, 10)
	backBytes, sum, err := undoFile(t, "f.parquet", pq, UndoOptions{})
	back := bytes.NewBuffer(backBytes)
	if err != nil || sum.Restored != 2 {
		t.Fatalf("undo: %v, %+v", err, sum)
	}
	got := scanAll(t, openPQ(t, "back", back.Bytes()), 1)
	if strings.Join(got, "|") != "no|yes|no" {
		t.Fatalf("labels %q", got)
	}
}

// TestUndoLabelConfirmation: cells without label= (written before it
// existed) are restored only when --label names their column; --label
// that names another column than the cells refuses every file.
func TestUndoLabelConfirmation(t *testing.T) {
	t.Parallel()
	d := tableio.Dialect{Header: true}
	legacy := "id,y,g,fairflip_audit\n1,1,min,fairflip/1 col=2 method=random score=0.5 was=0\n2,1,maj,\n"
	current := "id,y,g,fairflip_audit\n1,1,min,fairflip/1 col=2 label=y method=random score=0.5 was=0\n2,1,maj,\n"
	want := "id,y,g\n1,0,min\n2,1,maj\n"
	undo := func(in, label string) (string, error) {
		outBytes, _, err := undoFile(t, "f.csv", []byte(in), UndoOptions{Dialect: d, Label: label})
		out := bytes.NewBuffer(outBytes)
		return out.String(), err
	}
	for _, c := range []struct {
		in, label, msg string
	}{
		{legacy, "", "without its name (label="},
		{legacy, "g", "the audit cell names column 2, but the label column (--label) is column 3"},
		{current, "#3", "the audit cell names column 2, but the label column (--label) is column 3"},
		{current, "nope", `label "nope": no such column in f.csv`},
		{current, "fairflip_audit", "--label fairflip_audit is the audit column"},
	} {
		got, err := undo(c.in, c.label)
		if err == nil || !strings.Contains(err.Error(), c.msg) || got != "" {
			t.Errorf("--label %q: %v (wrote %q), want an error with %q", c.label, err, got, c.msg)
		}
	}
	for _, c := range []struct{ in, label string }{{legacy, "y"}, {legacy, "#2"}, {current, ""}, {current, "y"}} {
		if got, err := undo(c.in, c.label); err != nil || got != want {
			t.Errorf("--label %q: %q, %v; want %q", c.label, got, err, want)
		}
	}
}

// TestAuditLabelNames: label= carries any column name: spaces, "%",
// control characters and "=" round-trip, and undo finds the column.
func TestAuditLabelNames(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"income", "y", "#3", "annual income", "100%", "a=b", "tab\there", "été", "x%20y"} {
		e := AuditEntry{Column: 3, Label: name, Method: "rb-prob", Score: "0.5", Was: "0", Raw: true}
		cell := FormatAudit(e)
		if strings.Count(cell, " ") != 5 {
			t.Errorf("%q: the cell %q has spaces inside a key", name, cell)
		}
		back, err := ParseAudit(cell)
		if err != nil || back != e {
			t.Errorf("%q: %q parsed to %+v, %v", name, cell, back, err)
		}
	}
	for _, bad := range []string{"label=%2", "label=%zz", "label=%2f", "label=", "label=a%41"} {
		cell := "fairflip/1 col=3 " + bad + " method=random score=0 was=0"
		if e, err := ParseAudit(cell); err == nil {
			t.Errorf("ParseAudit(%q) accepted %+v", cell, e)
		}
	}
}
