package tableio

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// pipeRow is a row as a test reads it: its line and two cells.
type pipeRow struct {
	line        int
	first, last string
}

// readRows reads the rows of shards (cols: two columns) in order.
func readRows(t *testing.T, tab Table, sh Shard, cols []int) []pipeRow {
	t.Helper()
	var rows []pipeRow
	err := tab.Read(context.Background(), sh, cols, func(r *Row) error {
		rows = append(rows, pipeRow{r.Line, string(r.Cells[0]), string(r.Cells[1])})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// readPipe reads a table through its pipe with two readers at once, as
// a local flip does, and returns its shards (in order, their rows
// concatenated) and its sums.
// A shard's Data is checked against data before it is released.
func readPipe(t *testing.T, tab Table, data []byte, size int64, cols []int) (shards []Shard, rows []pipeRow, sha, change string) {
	t.Helper()
	p := tab.(PipedShards).PipeShards(size, 2)
	var mu sync.Mutex
	byShard := map[int][]pipeRow{}
	var wg sync.WaitGroup
	var nextErr error
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				mu.Lock()
				sh, release, ok, err := p.Next(context.Background())
				if ok {
					shards = append(shards, sh)
				}
				if err != nil {
					nextErr = err
				}
				mu.Unlock()
				if !ok {
					return
				}
				if sh.Data != nil && !bytes.Equal(sh.Data, data[sh.Start:sh.End]) {
					t.Errorf("shard %d: its bytes differ from the file's", sh.Index)
				}
				r := readRows(t, tab, sh, cols)
				release()
				mu.Lock()
				byShard[sh.Index] = r
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if nextErr != nil {
		t.Fatal(nextErr)
	}
	sha, change, err := p.Sums()
	if err != nil {
		t.Fatal(err)
	}
	for i, sh := range shards {
		if sh.Index != i {
			t.Fatalf("shard %d handed as %d", i, sh.Index)
		}
		rows = append(rows, byShard[i]...)
	}
	return shards, rows, sha, change
}

// TestShardPipe: a CSV file read through its pipe gives the rows (and
// lines) of the whole file's read, and the sums of every byte; its shards
// hold their bytes (Data) up to the first quote past the header, and are
// cut by the scanner and read from the file from the shard that holds it
// on (quoted line breaks, comments, both line ends, a record larger than a
// shard); the same for a JSON Lines file, every shard from memory.
func TestShardPipe(t *testing.T) {
	t.Parallel()
	csv := func(quoteFrom int) []byte {
		var b bytes.Buffer
		b.WriteString("# comment\r\n\"id\",\"text\",y\n")
		for i := 0; i < 6000; i++ {
			term := []string{"\n", "\r\n"}[i%2]
			switch {
			case i == 4500:
				fmt.Fprintf(&b, "%d,%s,1%s", i, strings.Repeat("x", 30<<10), term)
			case i >= quoteFrom && i%97 == 0:
				fmt.Fprintf(&b, "%d,\"two\nlines, \"\"quoted\"\"\",0%s", i, term)
			case i%501 == 0:
				fmt.Fprintf(&b, "# comment %d%s", i, term)
			default:
				fmt.Fprintf(&b, "%d,t%d,%d%s", i, i, i%2, term)
			}
		}
		b.WriteString("6000,last,1") // no final newline
		return b.Bytes()
	}
	var jl bytes.Buffer
	for i := 0; i < 5000; i++ {
		fmt.Fprintf(&jl, "{\"id\":%d,\"text\":\"t\\n%d\",\"y\":%d}\n", i, i, i%2)
	}
	for _, c := range []struct {
		name         string
		format       Format
		data         []byte
		memory, file bool // shards read from memory, from the file
	}{
		{"no quote past the header", CSV, csv(1 << 30), true, false},
		{"quotes from row 3000", CSV, csv(3000), true, true},
		{"quotes from the first row", CSV, csv(0), false, true},
		{"JSON Lines", JSONL, jl.Bytes(), true, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "t")
			if err := os.WriteFile(path, c.data, 0o644); err != nil {
				t.Fatal(err)
			}
			tab, _, err := OpenTable(Source{Path: path, Name: "t"}, c.format, ReadOptions{Dialect: Dialect{Header: true, Comment: '#'}})
			if err != nil {
				t.Fatal(err)
			}
			defer tab.Close()
			cols := []int{0, 2}
			want := readRows(t, tab, tab.Whole(), cols)
			shards, got, sha, change := readPipe(t, tab, c.data, 4<<10, cols)
			if len(got) != len(want) || len(want) < 4900 {
				t.Fatalf("read %d rows through the pipe, %d from the whole file", len(got), len(want))
			}
			for i := range want {
				if got[i] != want[i] {
					t.Fatalf("row %d: %+v, want %+v", i, got[i], want[i])
				}
			}
			if sum := sha256.Sum256(c.data); sha != hex.EncodeToString(sum[:]) {
				t.Error("the SHA-256 does not cover the whole file")
			}
			if want := formatChangeSum(crc32.ChecksumIEEE(c.data)); change != want {
				t.Errorf("change sum %s, want %s", change, want)
			}
			var memory, file bool
			for i, sh := range shards {
				if i > 0 && (sh.Start != shards[i-1].End || sh.Start-shards[i-1].Start < 4<<10 || c.data[sh.Start-1] != '\n') {
					t.Fatalf("shard %d: [%d, %d) after [%d, %d)", i, sh.Start, sh.End, shards[i-1].Start, shards[i-1].End)
				}
				if want := bytes.Count(c.data[:sh.Start], newline); sh.Line != want {
					t.Fatalf("shard %d: %d lines before it, want %d", i, sh.Line, want)
				}
				if sh.Data != nil {
					memory = true
				} else {
					file = true
				}
			}
			if memory != c.memory || file != c.file || shards[len(shards)-1].End != int64(len(c.data)) {
				t.Errorf("%d shards, from memory %v, from the file %v", len(shards), memory, file)
			}
			if n := tab.(PipedShards).PipeShards(4<<10, 2).MaxShards(); len(shards) > n {
				t.Errorf("%d shards, at most %d said", len(shards), n)
			}
		})
	}
}

// TestShardPipeChanged: a file that is not the size it was opened with is
// refused (at the end of the read: TableChangedError), and a pipe stopped
// before its end, or never started, returns no sums.
func TestShardPipeChanged(t *testing.T) {
	t.Parallel()
	data := []byte(strings.Repeat("a,b\n1,2\n", 5000))
	for _, c := range []struct {
		name string
		now  []byte
	}{{"shorter", data[:len(data)-100]}, {"longer", append(bytes.Clone(data), "3,4\n"...)}} {
		path := filepath.Join(t.TempDir(), "t.csv")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		tab, _, err := OpenTable(Source{Path: path}, CSV, ReadOptions{Dialect: Dialect{Header: true}})
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, c.now, 0o644); err != nil {
			t.Fatal(err)
		}
		p := tab.(PipedShards).PipeShards(1<<10, 2)
		var nerr error
		for {
			_, release, ok, err := p.Next(context.Background())
			if !ok {
				nerr = err
				break
			}
			release()
		}
		var changed *TableChangedError
		if !errors.As(nerr, &changed) {
			t.Errorf("%s: the end of the read says %v", c.name, nerr)
		}
		if _, _, err := p.Sums(); !errors.As(err, &changed) {
			t.Errorf("%s: Sums says %v", c.name, err)
		}
		tab.Close()
	}
	path := filepath.Join(t.TempDir(), "t.csv")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	tab, _, err := OpenTable(Source{Path: path}, CSV, ReadOptions{Dialect: Dialect{Header: true}})
	if err != nil {
		t.Fatal(err)
	}
	defer tab.Close()
	if _, _, err := tab.(PipedShards).PipeShards(1<<10, 2).Sums(); err == nil {
		t.Error("a pipe never read gave sums")
	}
	p := tab.(PipedShards).PipeShards(1<<10, 2)
	if _, _, ok, err := p.Next(context.Background()); !ok || err != nil {
		t.Fatalf("first shard: %v %v", ok, err)
	}
	if _, _, err := p.Sums(); err == nil {
		t.Error("a pipe stopped after one shard gave sums")
	}
}

// TestShardPipeLetsBuffersGo: once the file is read, the pipe keeps no
// buffer, neither those released before the end nor those released after.
func TestShardPipeLetsBuffersGo(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "t.csv")
	if err := os.WriteFile(path, []byte("a,b\n"+strings.Repeat("1,2\n", 20000)), 0o644); err != nil {
		t.Fatal(err)
	}
	tab, _, err := OpenTable(Source{Path: path}, CSV, ReadOptions{Dialect: Dialect{Header: true}})
	if err != nil {
		t.Fatal(err)
	}
	defer tab.Close()
	p := tab.(PipedShards).PipeShards(1<<10, 2)
	// Each shard is released once the next is had (the reader has buffers
	// enough for that), the last one after the end.
	held := func() {}
	n := 0
	for {
		_, release, ok, err := p.Next(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			break
		}
		held()
		held = release
		n++
	}
	if n < 4 {
		t.Fatalf("%d shards: the test needs several", n)
	}
	held()
	if len(p.free) != 0 {
		t.Errorf("the pipe keeps %d buffers after the end", len(p.free))
	}
}
