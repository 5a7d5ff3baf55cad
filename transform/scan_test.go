package transform

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"strings"
	"testing"

	tableio "github.com/fairflip/fairflip/io"
)

// TestScanFileMatchesScanner checks that the two-goroutine pass hands visit
// exactly the records the scanner produces, across batch boundaries (by
// count and by bytes), with every line terminator, quoted line breaks, a
// record larger than a batch, comments, and no final newline; and that the
// hash covers every byte.
func TestScanFileMatchesScanner(t *testing.T) {
	var b bytes.Buffer
	b.WriteString("# comment\r\nid,text,y\n")
	for i := 0; i < 5000; i++ {
		term := []string{"\n", "\r\n"}[i%2]
		switch {
		case i == 1500:
			fmt.Fprintf(&b, "%d,\"%s\",1%s", i, strings.Repeat("x", 300<<10), term)
		case i%97 == 0:
			fmt.Fprintf(&b, "%d,\"two\nlines, \"\"quoted\"\"\",0%s", i, term)
		case i%501 == 0:
			fmt.Fprintf(&b, "# comment %d%s", i, term)
		default:
			fmt.Fprintf(&b, "%d,t%d,%d%s", i, i, i%2, term)
		}
	}
	b.WriteString("5000,last,1") // no final newline
	data := b.Bytes()
	o := &Options{Dialect: tableio.Dialect{Header: true, Comment: '#'}, Label: "y", Sensitive: []string{"text"}}

	type rec struct {
		raw, term   string
		line, row   int
		fields      []tableio.Span
		first, last string
	}
	var want []rec
	sc := tableio.NewScanner(bytes.NewReader(data), "t.csv", o.Dialect)
	for {
		r, err := sc.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if r.Kind != tableio.Data {
			continue
		}
		want = append(want, rec{string(r.Raw), string(r.Term), r.Line, r.Row, append([]tableio.Span(nil), r.Fields...), r.Value(0), r.Value(2)})
	}

	h := sha256.New()
	var lay *layout
	var got []rec
	hinted := 0
	err := o.scanFile(context.Background(), BytesInput("t.csv", data), h, func(r *tableio.Record, l *layout) error {
		got = append(got, rec{string(r.Raw), string(r.Term), r.Line, r.Row, append([]tableio.Span(nil), r.Fields...), r.Value(0), r.Value(2)})
		return nil
	}, &lay, func(rows int) { hinted = rows })
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) || len(want) < 4900 {
		t.Fatalf("visited %d records, the scanner gives %d", len(got), len(want))
	}
	for i := range want {
		w, g := want[i], got[i]
		if w.raw != g.raw || w.term != g.term || w.line != g.line || w.row != g.row || w.first != g.first || w.last != g.last || fmt.Sprint(w.fields) != fmt.Sprint(g.fields) {
			t.Fatalf("record %d: got line %d row %d term %q raw %.40q, want line %d row %d term %q raw %.40q", i, g.line, g.row, g.term, g.raw, w.line, w.row, w.term, w.raw)
		}
	}
	if sum := sha256.Sum256(data); !bytes.Equal(h.Sum(nil), sum[:]) {
		t.Error("the hash does not cover the whole file")
	}
	if lay == nil || len(lay.names) != 3 || lay.names[2] != "y" {
		t.Errorf("layout %+v", lay)
	}
	if hinted < 1000 {
		t.Errorf("size hint %d: want an estimate of the row count", hinted)
	}

	// A visit error stops the pass and is returned as is.
	stop := fmt.Errorf("stop")
	n := 0
	lay = nil
	err = o.scanFile(context.Background(), BytesInput("t.csv", data), nil, func(r *tableio.Record, l *layout) error {
		if n++; n == 2000 {
			return stop
		}
		return nil
	}, &lay)
	if err != stop || n != 2000 {
		t.Errorf("after a visit error: err %v after %d records", err, n)
	}
	// A cancelled context stops it too.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	lay = nil
	if err := o.scanFile(ctx, BytesInput("t.csv", data), nil, func(*tableio.Record, *layout) error { return nil }, &lay); err == nil {
		t.Error("a cancelled pass returned no error")
	}
}
