package tableio

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCSVTableShardsMatchScanner: a CSV table cut into shards (small ones,
// so that cuts fall near quoted line breaks, a record larger than a shard,
// comments, both line ends) reads exactly the data records the scanner of
// the whole file reads, with their lines; its SHA-256 covers every byte;
// a read error of fn and a cancelled context stop a read.
func TestCSVTableShardsMatchScanner(t *testing.T) {
	t.Parallel()
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
	d := Dialect{Header: true, Comment: '#'}

	type rec struct {
		line        int
		first, last string
	}
	var want []rec
	sc := NewScanner(bytes.NewReader(data), "t.csv", d)
	for {
		r, err := sc.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if r.Kind == Data {
			want = append(want, rec{r.Line, r.Value(0), r.Value(2)})
		}
	}
	path := filepath.Join(t.TempDir(), "t.csv")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	tab, _, err := OpenTable(Source{Path: path, Name: "t.csv"}, CSV, ReadOptions{Dialect: d})
	if err != nil {
		t.Fatal(err)
	}
	defer tab.Close()
	if names, _ := tab.Columns(), 0; len(names) != 3 || names[2].Name != "y" || !tab.Named() {
		t.Fatalf("columns %+v", names)
	}
	sha, shards, err := tab.Shards(context.Background(), 4<<10)
	if err != nil {
		t.Fatal(err)
	}
	if sum := sha256.Sum256(data); sha != hex.EncodeToString(sum[:]) {
		t.Error("the hash does not cover the whole file")
	}
	if len(shards) < 5 {
		t.Fatalf("%d shards", len(shards))
	}
	var got []rec
	for _, sh := range shards {
		n := 0
		err := tab.Read(context.Background(), sh, []int{0, 2}, func(r *Row) error {
			if r.N != n {
				t.Fatalf("shard %d: row %d numbered %d", sh.Index, n, r.N)
			}
			n++
			got = append(got, rec{r.Line, string(r.Cells[0]), string(r.Cells[1])})
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if len(got) != len(want) || len(want) < 4900 {
		t.Fatalf("read %d records, the scanner gives %d", len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("record %d: %+v, want %+v", i, got[i], want[i])
		}
	}
	// An error of fn stops the read and is returned as is.
	stop := fmt.Errorf("stop")
	n := 0
	err = tab.Read(context.Background(), tab.Whole(), []int{0}, func(*Row) error {
		if n++; n == 2000 {
			return stop
		}
		return nil
	})
	if err != stop || n != 2000 {
		t.Errorf("after an error: %v after %d records", err, n)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := tab.Read(ctx, tab.Whole(), []int{0}, func(*Row) error { return nil }); err == nil {
		t.Error("a cancelled read returned no error")
	}
}

// TestStyledCell: a cell rewritten in the style of the one it replaces
// keeps its padding and quotes, and is quoted when the value needs it.
func TestStyledCell(t *testing.T) {
	t.Parallel()
	cases := []struct{ orig, value, want string }{
		{" <=50K", ">50K", " >50K"},
		{`"no"`, "yes", `"yes"`},
		{`no`, "yes, sir", `"yes, sir"`},
		{` "no" `, "yes", ` "yes" `},
		{`0`, `a"b`, `"a""b"`},
	}
	for _, c := range cases {
		if got := string(styledCell(nil, []byte(c.orig), c.value, ',')); got != c.want {
			t.Errorf("styledCell(%q, %q) = %q, want %q", c.orig, c.value, got, c.want)
		}
	}
}
