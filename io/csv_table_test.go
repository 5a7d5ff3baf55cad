package tableio

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/crc32"
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

// TestRewriteSeesAChangedInput: in each line-based format (CSV, JSON
// Lines), a same-size change between Shards (the first pass) and Rewrite
// (the second) is caught by the change sum, or by the SHA-256 when only
// that is given; the unchanged file passes both, and the change sum is the
// file's CRC-32.
func TestRewriteSeesAChangedInput(t *testing.T) {
	t.Parallel()
	for _, f := range []struct {
		format             Format
		first, second, out string // the file, changed, and its rewrite (an audit column appended)
	}{
		{CSV, "id,y\n1,a\n2,b\n3,c\n", "id,y\n1,a\n2,c\n3,c\n", "id,y,audit\n1,a,\n2,b,\n3,c,\n"},
		{JSONL, `{"id":1,"y":"a"}` + "\n" + `{"id":2,"y":"b"}` + "\n" + `{"id":3,"y":"c"}` + "\n",
			`{"id":1,"y":"a"}` + "\n" + `{"id":2,"y":"c"}` + "\n" + `{"id":3,"y":"c"}` + "\n",
			`{"id":1,"y":"a","audit":""}` + "\n" + `{"id":2,"y":"b","audit":""}` + "\n" + `{"id":3,"y":"c","audit":""}` + "\n"},
	} {
		t.Run(string(f.format), func(t *testing.T) {
			t.Parallel()
			rewriteSeesAChangedInput(t, f.format, []byte(f.first), []byte(f.second), f.out)
		})
	}
}

func rewriteSeesAChangedInput(t *testing.T, format Format, first, second []byte, want string) {
	for _, c := range []struct {
		name    string
		change  bool // give the change sum
		sha     bool // give the SHA-256
		changed bool
		want    string
	}{
		{"change sum, unchanged", true, true, false, ""},
		{"SHA-256 only, unchanged", false, true, false, ""},
		{"change sum, changed", true, true, true, "its CRC-32 was crc32:"},
		{"SHA-256 only, changed", false, true, true, "its SHA-256 was"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "t."+string(format))
			if err := os.WriteFile(path, first, 0o644); err != nil {
				t.Fatal(err)
			}
			tab, _, err := OpenTable(Source{Path: path, Name: "t"}, format, ReadOptions{Dialect: Dialect{Header: true}})
			if err != nil {
				t.Fatal(err)
			}
			defer tab.Close()
			sha, _, err := tab.Shards(context.Background(), 1<<20)
			if err != nil {
				t.Fatal(err)
			}
			cs := tab.(ChangeSummed).ChangeSum()
			if want := fmt.Sprintf("crc32:%08x", crc32.ChecksumIEEE(first)); cs != want {
				t.Fatalf("change sum %q, want %q", cs, want)
			}
			if c.changed {
				if err := os.WriteFile(path, second, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			p := &Rewrite{Column: 1, FillIndex: -1, DropIndex: -1, AppendName: "audit", WantRows: 3}
			if c.change {
				p.ChangeSum = cs
			}
			if c.sha {
				p.SHA256 = sha
			}
			var out bytes.Buffer
			err = tab.(Rewriter).Rewrite(context.Background(), &out, p)
			var ch *TableChangedError
			switch {
			case c.want == "" && err != nil:
				t.Fatal(err)
			case c.want == "" && out.String() != want:
				t.Fatalf("output %q", out.String())
			case c.want != "" && (!errors.As(err, &ch) || !strings.Contains(err.Error(), c.want)):
				t.Fatalf("got %v, want a TableChangedError saying %q", err, c.want)
			case c.want != "" && out.Len() > 0:
				t.Fatalf("%d bytes written", out.Len())
			}
		})
	}
}

// TestCSVTableLineCuts: in a file of several read buffers, each shard
// starts just after a line break, about size bytes after the previous one,
// with the number of line breaks before it.
func TestCSVTableLineCuts(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	b.WriteString("id,text\n")
	for i := 0; b.Len() < 5<<20; i++ {
		fmt.Fprintf(&b, "%d,%s\n", i, strings.Repeat("x", i%300))
	}
	data := b.Bytes()
	path := filepath.Join(t.TempDir(), "t.csv")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	tab, _, err := OpenTable(Source{Path: path, Name: "t.csv"}, CSV, ReadOptions{Dialect: Dialect{Header: true}})
	if err != nil {
		t.Fatal(err)
	}
	defer tab.Close()
	const size = 700 << 10
	_, shards, err := tab.Shards(context.Background(), size)
	if err != nil {
		t.Fatal(err)
	}
	if len(shards) < 7 {
		t.Fatalf("%d shards of a %d-byte file", len(shards), len(data))
	}
	for i, s := range shards[1:] {
		prev := shards[i]
		if data[s.Start-1] != '\n' || s.Start-prev.Start < size || s.Start-prev.Start > size+400 || prev.End != s.Start {
			t.Fatalf("shard %d starts at %d, after %d", i+1, s.Start, prev.Start)
		}
		if want := bytes.Count(data[:s.Start], []byte("\n")); s.Line != want {
			t.Fatalf("shard %d: %d lines before it, want %d", i+1, s.Line, want)
		}
	}
}
