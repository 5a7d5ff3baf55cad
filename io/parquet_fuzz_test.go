package tableio

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"github.com/fairflip/fairflip/io/internal/pageguard"
	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/encoding/thrift"
	"github.com/parquet-go/parquet-go/format"
)

// pqRealFiles returns the Parquet files DuckDB wrote (testdata/parquet at
// the repository root), sorted by name.
func pqRealFiles(t testing.TB) [][]byte {
	t.Helper()
	names, err := filepath.Glob(filepath.Join("..", "testdata", "parquet", "*.parquet"))
	if err != nil || len(names) == 0 {
		t.Fatalf("no Parquet files in ../testdata/parquet (%v)", err)
	}
	var files [][]byte
	for _, n := range names {
		b, err := os.ReadFile(n)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, b)
	}
	return files
}

// pqMutate applies edits to a copy of data. Each edit is 4 bytes: a 16-bit
// position, an operation and a value. Bit 0x80 of the operation counts the
// position back from the end of the file (where the footer is); the low two
// bits choose: set the byte, XOR it, add to it (a size or a count one off),
// or cut the file there.
func pqMutate(data, edits []byte) []byte {
	out := bytes.Clone(data)
	for len(edits) >= 4 && len(out) > 0 {
		pos := int(binary.LittleEndian.Uint16(edits))
		op, v := edits[2], edits[3]
		edits = edits[4:]
		at := pos % len(out)
		if op&0x80 != 0 {
			at = len(out) - 1 - at
		}
		switch op & 3 {
		case 0:
			out[at] = v
		case 1:
			out[at] ^= v
		case 2:
			out[at] += v
		case 3:
			out = out[:at]
		}
	}
	return out
}

// pqExercise opens data and uses every part of it: every flat column is
// scanned, and the file is rewritten twice (as undo and as flip do). The
// limits are small, so that a corrupt size cannot make the fuzzer allocate
// much, and panics are not recovered, so that the fuzzer finds them.
func pqExercise(data []byte) {
	lim, seams := ParquetLimits{MaxPageBytes: 1 << 20}, parquetSeams{panics: true, maxPageValues: 1 << 16}
	p, err := openParquetSeams(bytes.NewReader(data), int64(len(data)), "fuzz.parquet", lim, seams)
	if err != nil {
		if !strings.HasPrefix(err.Error(), "fuzz.parquet: ") {
			panic(fmt.Sprintf("error %q does not name the file", err))
		}
		return
	}
	set := map[int]map[int64]string{}
	for _, c := range p.Columns() {
		if !c.Flat {
			continue
		}
		err := p.ScanColumn(c.Index, func(row int64, text []byte, null bool) error {
			if row == 0 && !null {
				set[c.Index] = map[int64]string{0: string(text)}
			}
			return nil
		})
		if err != nil {
			return
		}
	}
	_ = RewriteParquet(p, io.Discard, ParquetRewrite{DropColumn: -1})
	rw := ParquetRewrite{DropColumn: -1, Set: set, AppendColumn: "fairflip_audit"}
	if p.NumRows() > 0 {
		rw.Append = map[int64]string{0: "a"}
	}
	pqExerciseRewrite(p, lim, seams, rw)
	// One column changed: the splice copies the others.
	for c, cells := range set {
		pqExerciseRewrite(p, lim, seams, ParquetRewrite{DropColumn: -1, Set: map[int]map[int64]string{c: cells}})
		break
	}
}

// pqExerciseRewrite rewrites p with rw, and checks the rewrite if it
// succeeds: the output must open.
func pqExerciseRewrite(p *ParquetFile, lim ParquetLimits, seams parquetSeams, rw ParquetRewrite) {
	var out bytes.Buffer
	if RewriteParquet(p, &out, rw) != nil {
		return
	}
	// The check of the rewrite reads both files with its own decoders:
	// whatever the input, it returns (an error, for a corrupt input).
	q, err := openParquetSeams(bytes.NewReader(out.Bytes()), int64(out.Len()), "out.parquet", lim, seams)
	if err != nil {
		panic(fmt.Sprintf("the rewrite's output does not open: %v", err))
	}
	_ = VerifyParquetRewrite(p, q, rw)
}

// FuzzParquetMutate mutates real Parquet files (DuckDB's, and parquet-go's
// seed files without page checksums, so that changed pages reach the
// decoders) a few bytes at a time: whatever the change, reading and
// rewriting never panics and never hangs. FuzzOpenParquet covers arbitrary
// bytes.
func FuzzParquetMutate(f *testing.F) {
	files := pqRealFiles(f)
	for _, s := range pqSeeds(f) {
		files = append(files, pqNoCRC(f, s))
	}
	for i, data := range files {
		f.Add(uint8(i), []byte{})
		// The footer length, a byte of the footer, the first page header,
		// a cut in the middle.
		f.Add(uint8(i), []byte{7, 0, 0x80 | 2, 1})
		f.Add(uint8(i), []byte{40, 0, 0x80 | 1, 0xff})
		f.Add(uint8(i), []byte{4, 0, 0, 0x15, 6, 0, 2, 0x40})
		f.Add(uint8(i), []byte{byte(len(data) / 2), byte(len(data) / 512), 3, 0})
	}
	f.Fuzz(func(t *testing.T, which uint8, edits []byte) {
		if len(edits) > 64 {
			edits = edits[:64]
		}
		data := pqMutate(files[int(which)%len(files)], edits)
		watchdog := time.AfterFunc(20*time.Second, func() { panic("FuzzParquetMutate: input takes more than 20 s") })
		defer watchdog.Stop()
		defer pqKnownPanic()
		pqExercise(data)
	})
}

// pqKnownPanics are panics inside parquet-go that fuzzing found and that the
// checks of parquet.go do not prevent yet (in production, the recovery turns
// them into errors). Each has a reproducer in testdata/fuzz/crashers and a
// skipped test, TestParquetCrashers. The fuzz targets pass over them, so that
// they look for new ones, unless FAIRFLIP_KNOWN_BOMBS is set.
var pqKnownPanics = []string{
	// None at the moment. (rle.decodeInt32 slicing past corrupt dictionary
	// indexes is prevented by pageguard.CheckDictIndexes.)
}

func pqKnownPanic() {
	r := recover()
	if r == nil {
		return
	}
	stack := string(debug.Stack())
	if os.Getenv("FAIRFLIP_KNOWN_BOMBS") == "" {
		for _, k := range pqKnownPanics {
			if strings.Contains(stack, k) {
				return
			}
		}
	}
	panic(fmt.Sprintf("%v\n%s", r, stack))
}

// TestParquetCrashers runs the files that made parquet-go panic under
// fuzzing. With the recovery of panics on (as fairflip runs), each must fail
// with an error naming the file; with it off, parquet.go's own checks
// should stop them first: those that they do not are known failures, skipped.
func TestParquetCrashers(t *testing.T) {
	t.Parallel()
	names, _ := filepath.Glob(filepath.Join("testdata", "fuzz", "crashers", "*.parquet"))
	if len(names) == 0 {
		t.Fatal("no files in testdata/fuzz/crashers")
	}
	// Known failures, skipped: none at the moment (rle_dictionary_indexes
	// is stopped by pageguard.CheckDictIndexes before parquet-go decodes it).
	known := map[string]string{}
	for _, n := range names {
		data, err := os.ReadFile(n)
		if err != nil {
			t.Fatal(err)
		}
		base := filepath.Base(n)
		t.Run(base, func(t *testing.T) {
			err := pqUse(data)
			if err == nil || !strings.HasPrefix(err.Error(), "bad.parquet: ") {
				t.Errorf("with recovery: got %v, want an error naming the file", err)
			}
			if why, ok := known[base]; ok && os.Getenv("FAIRFLIP_KNOWN_BOMBS") == "" {
				t.Skip(why + " (FAIRFLIP_KNOWN_BOMBS=1 runs it)")
			}
			noPanic(t, base, data)
		})
	}
}

// ---------------------------------------------------------------------------
// Bombs: files that claim huge sizes. Each must fail with a clear error, and
// the heap must stay far below what the file claims.

// zeroFile is a virtual file of size bytes: PAR1, zeros, then the given tail.
type zeroFile struct {
	size int64
	tail []byte
}

func (z zeroFile) ReadAt(p []byte, off int64) (int, error) {
	if off >= z.size {
		return 0, io.EOF
	}
	n := 0
	for n < len(p) && off+int64(n) < z.size {
		at := off + int64(n)
		switch t := z.size - int64(len(z.tail)); {
		case at < 4:
			p[n] = "PAR1"[at]
		case at >= t:
			p[n] = z.tail[at-t]
		default:
			p[n] = 0
		}
		n++
	}
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// pqFooterFile wraps footer bytes into a file: PAR1, footer, length, PAR1.
func pqFooterFile(footer []byte) []byte {
	out := append([]byte("PAR1"), footer...)
	out = binary.LittleEndian.AppendUint32(out, uint32(len(footer)))
	return append(out, "PAR1"...)
}

// pqEditPages rewrites every page header of data with edit (the page bodies
// are copied as they are; offsets in the footer are fixed up).
func pqEditPages(t testing.TB, data []byte, edit func(*format.PageHeader)) []byte {
	t.Helper()
	f, err := parquet.OpenFile(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	md := *f.Metadata()
	md.RowGroups = append(md.RowGroups[:0:0], md.RowGroups...)
	out := []byte("PAR1")
	proto := &thrift.CompactProtocol{}
	for g := range md.RowGroups {
		rg := &md.RowGroups[g]
		rg.Columns = append(rg.Columns[:0:0], rg.Columns...)
		for c := range rg.Columns {
			cc := &rg.Columns[c]
			m := &cc.MetaData
			start := m.DataPageOffset
			if m.DictionaryPageOffset != 0 {
				start = m.DictionaryPageOffset
			}
			end := start + m.TotalCompressedSize
			newStart := int64(len(out))
			for off := start; off < end; {
				n, err := pageguard.ThriftCheck(data[off:end])
				if err != nil {
					t.Fatal(err)
				}
				var h format.PageHeader
				if err := thrift.Unmarshal(proto, data[off:off+int64(n)], &h); err != nil {
					t.Fatal(err)
				}
				size := int64(h.CompressedPageSize)
				edit(&h)
				hb, err := thrift.Marshal(proto, &h)
				if err != nil {
					t.Fatal(err)
				}
				if h.Type != format.DictionaryPage && m.DataPageOffset == off {
					m.DataPageOffset = int64(len(out))
				}
				out = append(out, hb...)
				body := off + int64(n)
				out = append(out, data[body:body+size]...)
				off = body + size
			}
			if m.DictionaryPageOffset != 0 {
				m.DictionaryPageOffset = newStart
			}
			m.TotalCompressedSize = int64(len(out)) - newStart
			cc.FileOffset = newStart
			cc.ColumnIndexOffset, cc.ColumnIndexLength, cc.OffsetIndexOffset, cc.OffsetIndexLength = 0, 0, 0, 0
		}
	}
	footer, err := thrift.Marshal(proto, &md)
	if err != nil {
		t.Fatal(err)
	}
	out = append(out, footer...)
	out = binary.LittleEndian.AppendUint32(out, uint32(len(footer)))
	return append(out, "PAR1"...)
}

// pqTwoColumns is a file of n rows of two INT64 columns, a (0, 1, 2, ...) and
// b (0, 1, 0, ...), with the given codec.
func pqTwoColumns(t testing.TB, n int, codec string) []byte {
	t.Helper()
	var buf bytes.Buffer
	var err error
	switch codec {
	case "snappy":
		type row struct {
			A int64 `parquet:"a,snappy"`
			B int64 `parquet:"b,snappy"`
		}
		w := parquet.NewGenericWriter[row](&buf)
		for i := range n {
			_, err = w.Write([]row{{int64(i), int64(i % 2)}})
		}
		err = errors.Join(err, w.Close())
	case "zstd":
		type row struct {
			A int64 `parquet:"a,zstd"`
			B int64 `parquet:"b,zstd"`
		}
		w := parquet.NewGenericWriter[row](&buf)
		for i := range n {
			_, err = w.Write([]row{{int64(i), int64(i % 2)}})
		}
		err = errors.Join(err, w.Close())
	case "gzip":
		type row struct {
			A int64 `parquet:"a,gzip"`
			B int64 `parquet:"b,gzip"`
		}
		w := parquet.NewGenericWriter[row](&buf)
		for i := range n {
			_, err = w.Write([]row{{int64(i), int64(i % 2)}})
		}
		err = errors.Join(err, w.Close())
	default:
		type row struct {
			A int64 `parquet:"a,uncompressed"`
			B int64 `parquet:"b,uncompressed"`
		}
		w := parquet.NewGenericWriter[row](&buf)
		for i := range n {
			_, err = w.Write([]row{{int64(i), int64(i % 2)}})
		}
		err = errors.Join(err, w.Close())
	}
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// pqBombResult opens r and scans and rewrites every flat column: the first
// error, and the peak live heap.
func pqBombResult(r io.ReaderAt, size int64) (err error, heap uint64) { //nolint:staticcheck // error first reads better here
	heap = peakHeap(func() {
		var p *ParquetFile
		p, err = OpenParquet(r, size, "bomb.parquet")
		if err != nil {
			return
		}
		for _, c := range p.Columns() {
			if c.Flat {
				if err = p.ScanColumn(c.Index, func(int64, []byte, bool) error { return nil }); err != nil {
					return
				}
			}
		}
		err = RewriteParquet(p, io.Discard, ParquetRewrite{DropColumn: -1, AppendColumn: "audit"})
	})
	return err, heap
}

// TestParquetBombFiles runs the bomb reproducers of testdata/fuzz/bombs (pages
// that claim 1 GiB, which used to make fairflip allocate 1.25-2.5 GiB): each
// must fail with an error naming the file, within a small heap.
func TestParquetBombFiles(t *testing.T) {
	names, _ := filepath.Glob(filepath.Join("testdata", "fuzz", "bombs", "*.parquet"))
	if len(names) == 0 {
		t.Fatal("no files in testdata/fuzz/bombs")
	}
	for _, n := range names {
		data, err := os.ReadFile(n)
		if err != nil {
			t.Fatal(err)
		}
		t.Run(filepath.Base(n), func(t *testing.T) {
			err, heap := pqBombResult(bytes.NewReader(data), int64(len(data)))
			t.Logf("peak heap %.1f MiB; %v", float64(heap)/(1<<20), err)
			if err == nil || !strings.HasPrefix(err.Error(), "bomb.parquet: ") {
				t.Errorf("got %v, want an error naming the file", err)
			}
			if heap > 16<<20 {
				t.Errorf("peak heap %d bytes, want at most %d", heap, 16<<20)
			}
			noPanic(t, filepath.Base(n), data)
		})
	}
}

// TestParquetLimits: OpenParquetLimits refuses pages larger than its
// MaxPageBytes, and 0 means DefaultParquetMaxPageBytes.
func TestParquetLimits(t *testing.T) {
	t.Parallel()
	data := pqTwoColumns(t, 1000, "snappy")
	use := func(lim ParquetLimits) error {
		p, err := OpenParquetLimits(bytes.NewReader(data), int64(len(data)), "lim.parquet", lim)
		if err != nil {
			return err
		}
		return p.ScanColumn(0, func(int64, []byte, bool) error { return nil })
	}
	if err := use(ParquetLimits{}); err != nil {
		t.Errorf("default limits: %v", err)
	}
	if err := use(ParquetLimits{MaxPageBytes: 1 << 20}); err != nil {
		t.Errorf("1 MiB pages: %v", err)
	}
	err := use(ParquetLimits{MaxPageBytes: 100})
	if err == nil || !strings.Contains(err.Error(), "the limit is 100, --max-page-bytes)") {
		t.Errorf("100-byte pages: got %v, want the page refused", err)
	}
}

func TestParquetBombs(t *testing.T) {
	const heapMax = 64 << 20
	// A list header (compact protocol) claiming n structs.
	listOf := func(field byte, n uint64) []byte {
		b := []byte{field<<4 | 9, 0xfc}
		return binary.AppendUvarint(b, n)
	}
	type bomb struct {
		name string
		r    io.ReaderAt
		size int64
		msg  string // the error must start with this; "" allows success
		skip string // a known failure, reported to the Parquet owner
		file string // reproducer: written to testdata/fuzz/bombs when FAIRFLIP_WRITE_BOMBS is set
	}
	cases := []bomb{
		{
			name: "footer length past the file", size: 1 << 20,
			r:   zeroFile{size: 1 << 20, tail: []byte{0xf0, 0xff, 0xff, 0xff, 'P', 'A', 'R', '1'}},
			msg: "bomb.parquet: truncated or corrupt Parquet file (footer length 4294967280 does not fit in a 1048576-byte file)",
		},
		{
			// 1 GiB of zeros (a sparse file costs nothing on disk) whose
			// footer length claims all of it: the footer is read into
			// memory before it is checked.
			name: "footer length claims a 1 GiB footer", size: 1 << 30,
			r:   zeroFile{size: 1 << 30, tail: append(binary.LittleEndian.AppendUint32(nil, 1<<30-12), "PAR1"...)},
			msg: "bomb.parquet: corrupt Parquet footer",
		},
		{
			// A footer that lists a million schema elements, one byte each.
			name: "footer with a million empty schema elements",
			r: bytes.NewReader(pqFooterFile(append(append([]byte{0x15, 0x02}, listOf(1, 1_000_000)...),
				append(bytes.Repeat([]byte{0}, 1_000_000), 0x16, 0x02, 0x19, 0x0c, 0x00)...))),
			msg: "bomb.parquet: corrupt Parquet footer",
		},
		{
			// A footer whose list claims 2^40 row groups in a few bytes.
			name: "footer list claims 2^40 row groups",
			r:    bytes.NewReader(pqFooterFile(append(append([]byte{0x15, 0x02, 0x19, 0x0c, 0x16, 0x02}, listOf(1, 1<<40)...), 0, 0, 0))),
			msg:  "bomb.parquet: corrupt Parquet footer",
		},
		{
			name: "row group claims 2^62 rows",
			r: bytes.NewReader(pqEditFooter(t, pqTwoColumns(t, 3, ""), func(md *format.FileMetaData) {
				md.NumRows = 1 << 62
				md.RowGroups[0].NumRows = 1 << 62
			})),
			msg:  "bomb.parquet: ",
			file: "rowgroup_claims_2e62_rows.parquet",
		},
		{
			name: "column chunk claims 2^40 bytes",
			r: bytes.NewReader(pqEditFooter(t, pqTwoColumns(t, 3, ""), func(md *format.FileMetaData) {
				md.RowGroups[0].Columns[0].MetaData.TotalCompressedSize = 1 << 40
				md.RowGroups[0].Columns[0].MetaData.TotalUncompressedSize = 1 << 40
			})),
			msg: "bomb.parquet: ",
		},
	}
	// Pages that claim a huge uncompressed size, or a huge number of values.
	for _, codec := range []string{"uncompressed", "snappy", "gzip", "zstd"} {
		for _, claim := range []struct {
			what string
			edit func(*format.PageHeader)
		}{
			{"an uncompressed size of 100 MiB", func(h *format.PageHeader) { h.UncompressedPageSize = 100 << 20 }},
			{"an uncompressed size of 1 GiB - 1", func(h *format.PageHeader) { h.UncompressedPageSize = 1<<30 - 1 }},
			{"an uncompressed size of 2^31 - 1", func(h *format.PageHeader) { h.UncompressedPageSize = 1<<31 - 1 }},
			{"2^27 - 1 values", func(h *format.PageHeader) {
				if h.DataPageHeader.Valid {
					h.DataPageHeader.V.NumValues = 1<<27 - 1
				}
				if h.DataPageHeaderV2.Valid {
					h.DataPageHeaderV2.V.NumValues = 1<<27 - 1
					h.DataPageHeaderV2.V.NumRows = 1<<27 - 1
				}
			}},
		} {
			data := pqEditPages(t, pqTwoColumns(t, 3, codec), claim.edit)
			b := bomb{name: codec + " page claims " + claim.what, r: bytes.NewReader(data), msg: "bomb.parquet: "}
			if strings.HasPrefix(claim.what, "an uncompressed size of 1 GiB") && codec != "uncompressed" {
				// Fixed: refused by the page limit (DefaultParquetMaxPageBytes).
				b.file = codec + "_page_claims_1gib.parquet"
			}
			if strings.HasPrefix(claim.what, "an uncompressed size of 100 MiB") {
				if codec == "uncompressed" {
					// Nothing is decompressed, so a claim within the page
					// limit costs nothing: the file reads as it is.
					b.msg = ""
				} else {
					// Within the page limit: refused because the data does
					// not decompress to the claim, before parquet-go
					// allocates it.
					b.msg = "bomb.parquet: column a: row group 0: corrupt " + strings.ToUpper(codec) + " page at offset 4"
				}
			}
			cases = append(cases, b)
		}
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			size := c.size
			if br, ok := c.r.(*bytes.Reader); ok {
				size = br.Size()
				if c.file != "" && os.Getenv("FAIRFLIP_WRITE_BOMBS") != "" {
					data := make([]byte, size)
					_, _ = br.ReadAt(data, 0)
					if err := os.WriteFile(filepath.Join("testdata", "fuzz", "bombs", c.file), data, 0o644); err != nil {
						t.Fatal(err)
					}
				}
			}
			if c.skip != "" && os.Getenv("FAIRFLIP_KNOWN_BOMBS") == "" {
				t.Skip(c.skip + " (FAIRFLIP_KNOWN_BOMBS=1 runs it)")
			}
			err, heap := pqBombResult(c.r, size)
			t.Logf("peak heap %.1f MiB; %v", float64(heap)/(1<<20), err)
			if c.msg == "" && err != nil {
				t.Errorf("got %v, want no error", err)
			}
			if c.msg != "" && (err == nil || !strings.HasPrefix(err.Error(), c.msg)) {
				t.Errorf("got %v, want an error starting %q", err, c.msg)
			}
			if heap > heapMax {
				t.Errorf("peak heap %d bytes, want at most %d", heap, heapMax)
			}
		})
	}
}
