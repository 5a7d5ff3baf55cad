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

func openJSONL(t testing.TB, data []byte) (*jsonlTable, error) {
	t.Helper()
	p := filepath.Join(t.TempDir(), "t.jsonl")
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	tb, _, err := OpenTable(Source{Path: p, Name: "t.jsonl"}, "", ReadOptions{})
	if err != nil {
		return nil, err
	}
	t.Cleanup(func() { tb.Close() })
	return tb.(*jsonlTable), nil
}

// readAll reads every column of the table.
func readAll(t *jsonlTable) ([][]string, error) {
	cols := make([]int, len(t.cols))
	for i := range cols {
		cols[i] = i
	}
	var rows [][]string
	err := t.Read(context.Background(), t.Whole(), cols, func(r *Row) error {
		row := make([]string, len(cols))
		for i, c := range r.Cells {
			row[i] = string(c)
			if r.Null[i] {
				row[i] = "<null>"
			}
		}
		rows = append(rows, row)
		return nil
	})
	return rows, err
}

// TestJSONLRead: columns from the first line; keys in any order; values
// as text; the spans kept.
func TestJSONLRead(t *testing.T) {
	in := "{\"a\": 1, \"b\":\"x\\ty\", \"c\": true, \"d\": null, \"e\": 1.50}\n" +
		" {\"e\":-2e3,\"d\":\"\",\"c\":false,\"b\":\"\\u00e9\",\"a\":0} \r\n" +
		"{\"a\":7,\"b\":\"\",\"c\":null,\"d\":\"q\",\"e\":0}"
	tb, err := openJSONL(t, []byte(in))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, c := range tb.Columns() {
		names = append(names, c.Name)
	}
	if strings.Join(names, ",") != "a,b,c,d,e" {
		t.Fatalf("columns %v", names)
	}
	rows, err := readAll(tb)
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{{"1", "x\ty", "true", "<null>", "1.50"}, {"0", "é", "false", "", "-2e3"}, {"7", "", "<null>", "q", "0"}}
	if len(rows) != len(want) {
		t.Fatalf("rows %q", rows)
	}
	for i := range want {
		if strings.Join(rows[i], "|") != strings.Join(want[i], "|") {
			t.Errorf("row %d: %q, want %q", i, rows[i], want[i])
		}
	}
	_, shards, err := tb.Shards(context.Background(), 10)
	if err != nil || len(shards) != 3 || shards[2].Line != 2 {
		t.Fatalf("shards %+v, %v", shards, err)
	}
	err = tb.Read(context.Background(), shards[2], []int{0}, func(r *Row) error {
		if r.Line != 3 || r.N != 0 || string(r.Cells[0]) != "7" {
			t.Errorf("shard 2: line %d row %d %q", r.Line, r.N, r.Cells[0])
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestJSONLHostile: every malformed line is a RowError naming the line
// (and the key, where there is one).
func TestJSONLHostile(t *testing.T) {
	first := `{"a":1,"b":"x"}` + "\n"
	cases := []struct{ name, in, want string }{
		{"not an object", first + "[1,2]\n", "t.jsonl:2: not a JSON object: an array"},
		{"missing key", first + `{"a":1}` + "\n", `t.jsonl:2: column 2 (b): the object has no key "b"`},
		{"extra key", first + `{"a":1,"b":"y","c":2}` + "\n", `key "c" is not a key of the first line`},
		{"duplicate key", first + `{"a":1,"b":"y","a":2}` + "\n", `t.jsonl:2: column 1 (a): the key "a" is in the object twice`},
		{"duplicate key first line", `{"a":1,"a":2}` + "\n", `t.jsonl:1: column 2 (a): the key "a" is in the object twice`},
		{"invalid UTF-8", first + "{\"a\":1,\"b\":\"\xff\"}\n", `t.jsonl:2: not a JSON object: invalid UTF-8 at byte 13 (after the key "b")`},
		{"truncated", first + `{"a":1,"b":"y`, "t.jsonl:2: not a JSON object: the line ends inside a string"},
		{"blank line", first + "\n" + first, "t.jsonl:2: not a JSON object: a blank line"},
		{"two objects", first + `{"a":1,"b":"y"}{"a":1,"b":"y"}` + "\n", "more after the object"},
		{"nested in a scalar column", first + `{"a":{"z":1},"b":"y"}` + "\n", "t.jsonl:2: column 1 (a): an object where the first line has"},
		{"bad number", first + `{"a":01,"b":"y"}` + "\n", "a malformed number"},
		{"lone surrogate", first + `{"a":1,"b":"\ud800"}` + "\n", "a lone UTF-16 surrogate"},
		{"control char", first + "{\"a\":1,\"b\":\"\t\"}\n", "a control character"},
		{"empty object", "{}\n", "an empty object"},
		{"deep", first + `{"a":1,"b":"y","c":` + strings.Repeat("[", 2000) + "\n", "nested more than"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tb, err := openJSONL(t, []byte(c.in))
			if err == nil {
				_, err = readAll(tb)
			}
			var re *RowError
			if !errors.As(err, &re) || !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want a RowError with %q", err, c.want)
			}
		})
	}
}

// flipUndo rewrites data as flip would (rows' column col to a value of
// its type, an audit member appended), then as undo would; it returns the
// flipped bytes and the restored ones.
func flipUndo(t testing.TB, data []byte, col int, rows []int64) (flipped, restored []byte, err error) {
	tb, err := openJSONL(t, data)
	if err != nil {
		return nil, nil, err
	}
	was := map[int]string{}
	var out bytes.Buffer
	p := &Rewrite{Column: col, Rows: rows, FillIndex: -1, DropIndex: -1, WantRows: -1, AppendName: "zz_audit",
		New: func(i int, orig Cell) (NewCell, error) {
			was[i] = orig.Value
			switch {
			case orig.Value == "true" || orig.Value == "false":
				return NewCell{Value: "false"}, nil
			case isJSONNumber(orig.Value):
				return NewCell{Value: "-1.5e3"}, nil
			}
			return NewCell{Value: "flipped \"<é>\"\n"}, nil
		},
		AuditCell: func(i int, orig Cell) string { return "was=" + orig.Value },
	}
	if err := tb.Rewrite(context.Background(), &out, p); err != nil {
		return nil, nil, err
	}
	if p.Written != int64(bytes.Count(data, []byte{'\n'})) && p.Written != int64(bytes.Count(data, []byte{'\n'}))+1 {
		t.Fatalf("written %d rows", p.Written)
	}
	flipped = bytes.Clone(out.Bytes())
	ft, err := openJSONL(t, flipped)
	if err != nil {
		t.Fatalf("the flipped file does not open: %v\n%s", err, flipped)
	}
	out.Reset()
	u := &Rewrite{Column: col, Rows: rows, FillIndex: -1, DropIndex: len(ft.cols) - 1, WantRows: p.Written,
		New: func(i int, _ Cell) (NewCell, error) { return NewCell{Value: was[i]}, nil }}
	if err := ft.Rewrite(context.Background(), &out, u); err != nil {
		t.Fatalf("undo: %v\n%s", err, flipped)
	}
	return flipped, out.Bytes(), nil
}

// TestJSONLRewrite: flip changes the label's bytes and appends the audit
// member; every other byte is kept; undo gives the input back.
func TestJSONLRewrite(t *testing.T) {
	in := "{ \"y\" : \"no\" , \"n\": 1.0, \"b\": true, \"z\": {\"k\": [1, \"}\"]} }\r\n" +
		"{\"n\":2,\"y\":\"yes\",\"z\":null,\"b\":false}\n" +
		"{\"y\":\"no\",\"n\":3,\"b\":true,\"z\":[]}"
	flipped, restored, err := flipUndo(t, []byte(in), 0, []int64{0, 2})
	if err != nil {
		t.Fatal(err)
	}
	want := "{ \"y\" : \"flipped \\\"<é>\\\"\\n\" , \"n\": 1.0, \"b\": true, \"z\": {\"k\": [1, \"}\"]},\"zz_audit\":\"was=no\" }\r\n" +
		"{\"n\":2,\"y\":\"yes\",\"z\":null,\"b\":false,\"zz_audit\":\"\"}\n" +
		"{\"y\":\"flipped \\\"<é>\\\"\\n\",\"n\":3,\"b\":true,\"z\":[],\"zz_audit\":\"was=no\"}"
	if string(flipped) != want {
		t.Errorf("flipped:\n%s\nwant\n%s", flipped, want)
	}
	if string(restored) != in {
		t.Errorf("restored:\n%s\nwant\n%s", restored, in)
	}
	// A number label stays a number, a boolean a boolean.
	for col, want := range map[int]string{1: `"n": -1.5e3,`, 2: `"b": false,`} {
		flipped, restored, err := flipUndo(t, []byte(in), col, []int64{0})
		if err != nil || !strings.Contains(string(flipped), want) || string(restored) != in {
			t.Errorf("column %d: %v\n%s", col, err, flipped)
		}
	}
	// A label written with escapes this package does not write is refused.
	_, _, err = flipUndo(t, []byte(`{"y":"\u006eo"}`+"\n"), 0, []int64{0})
	if !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), "escapes") {
		t.Errorf("escaped label: %v", err)
	}
}

// TestJSONLCheck: the read-back check catches a line written wrong.
func TestJSONLCheck(t *testing.T) {
	in := []byte(`{"a": "x", "b": 2}`)
	tb, err := openJSONL(t, in)
	if err != nil {
		t.Fatal(err)
	}
	rp := tb.newRowParser()
	l, err := rp.parse(in, 1)
	if err != nil {
		t.Fatal(err)
	}
	p := &Rewrite{Column: 0, FillIndex: -1, DropIndex: -1, AppendName: "au"}
	v := &jsonCheck{t: tb, p: p}
	c, err := tb.changeOf(v, rp, in, l, p, -1, 1)
	if err != nil {
		t.Fatal(err)
	}
	good := applyEdits(nil, in, c.edits)
	if err := v.check(rp, in, l, good, c, 1); err != nil {
		t.Fatalf("%s: %v", good, err)
	}
	for _, bad := range []string{`{"a": "x", "b": 2,"au":"x"}`, `{"a": "x","b": 2,"au":""}`, `{"a": "y", "b": 2,"au":""}`, `{"a": "x", "b": 2,"au":"" } `, `{"a": "x", "b": 2}`, `{"a": "x", "b": 2.0,"au":""}`} {
		l, _ = rp.parse(in, 1)
		if err := v.check(rp, in, l, []byte(bad), c, 1); !errors.Is(err, ErrInternal) {
			t.Errorf("%s: %v, want a MismatchError", bad, err)
		}
	}
}

// TestJSONLConvert: CSV to JSON Lines and back; JSON Lines' own types to
// Parquet.
func TestJSONLConvert(t *testing.T) {
	csv := "id,zip,x,flag,name\n1,007,1.5,true,a\n2,123,,false,\"b, \"\"c\"\"\"\n3,,2e3,TRUE,\n"
	j, err := convertFile(t, writeTemp(t, "t.csv", []byte(csv)), CSV, JSONL, ReadOptions{Dialect: Dialect{Header: true}}, 0)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"id":1,"zip":"007","x":1.5,"flag":true,"name":"a"}` + "\n" +
		`{"id":2,"zip":"123","x":null,"flag":false,"name":"b, \"c\""}` + "\n" +
		`{"id":3,"zip":"","x":2e3,"flag":true,"name":""}` + "\n"
	if string(j) != want {
		t.Fatalf("to JSON Lines:\n%s\nwant\n%s", j, want)
	}
	back, err := convertFile(t, writeTemp(t, "t.jsonl", j), JSONL, CSV, ReadOptions{}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if want := "id,zip,x,flag,name\n1,007,1.5,true,a\n2,123,,false,\"b, \"\"c\"\"\"\n3,,2e3,true,\n"; string(back) != want {
		t.Fatalf("back to CSV:\n%s\nwant\n%s", back, want)
	}
	pq, err := convertFile(t, writeTemp(t, "t.jsonl", j), JSONL, Parquet, ReadOptions{}, 0)
	if err != nil {
		t.Fatal(err)
	}
	pf, err := OpenParquet(bytes.NewReader(pq), int64(len(pq)), "t.parquet")
	if err != nil {
		t.Fatal(err)
	}
	var types []string
	for _, c := range pf.Columns() {
		types = append(types, strings.Fields(c.Type)[0])
	}
	if strings.Join(types, ",") != "INT64,BYTE_ARRAY,DOUBLE,BOOLEAN,BYTE_ARRAY" {
		t.Fatalf("types %v", types)
	}
	j2, err := convertFile(t, writeTemp(t, "t.parquet", pq), Parquet, JSONL, ReadOptions{}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if want := strings.Replace(want, "2e3", "2000", 1); string(j2) != want {
		t.Fatalf("Parquet to JSON Lines:\n%s\nwant\n%s", j2, want)
	}
}

// FuzzJSONL: the parser never panics; on a file it reads, a flip-like
// rewrite of every other row's first column followed by an undo-like
// rewrite gives the input back byte for byte, and the rewrite never fails
// its own check.
func FuzzJSONL(f *testing.F) {
	for _, s := range []string{
		"{\"a\":1,\"b\":\"x\"}\n{\"b\":\"y\",\"a\":2}\n",
		"{ \"y\" : \"no\" , \"n\": 1.0, \"z\": {\"k\": [1, \"}\"]} }\r\n{\"n\":2,\"y\":\"yes\",\"z\":null}",
		"{\"a\":true,\"b\":null}\n{\"a\":false,\"b\":[1,{\"c\":\"\\u00e9\"}]}\n",
		"{\"a\":\"\\ud83d\\ude00\",\"b\":-0.5e-3}\n",
		"{\"a\":\"x\"}\n\n",
		"[1]\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		tb, err := openJSONL(t, data)
		if err != nil {
			return
		}
		if _, err := readAll(tb); err != nil {
			return
		}
		var rows []int64
		n := bytes.Count(data, []byte{'\n'}) + 1
		for r := 0; r < n; r += 2 {
			rows = append(rows, int64(r))
		}
		if len(data) > 0 && data[len(data)-1] == '\n' && (n-1)%2 == 0 {
			rows = rows[:len(rows)-1] // no row after the last line break
		}
		if len(tb.cols) == 0 || !tb.cols[0].Flat {
			return // an empty file; a nested first column
		}
		for _, c := range tb.cols {
			if c.Name == "zz_audit" {
				return
			}
		}
		_, restored, err := flipUndo(t, data, 0, rows)
		if err != nil {
			if errors.Is(err, ErrInternal) || !errors.Is(err, ErrMalformed) {
				t.Fatalf("flip: %v", err)
			}
			return
		}
		if !bytes.Equal(restored, data) {
			t.Fatalf("undo gave\n%q\nnot\n%q", restored, data)
		}
	})
}
