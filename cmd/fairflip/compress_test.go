package main

import (
	"bytes"
	stdgzip "compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/klauspost/compress/zstd"

	"github.com/fairflip/fairflip/internal/testdata"
	tableio "github.com/fairflip/fairflip/io"
)

// The tests' compressors and decompressors: the standard library's gzip
// (what zcat reads) and klauspost's zstd, independent of fairflip's own
// wrapping of them (tableio.Codec).

func gz(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := stdgzip.NewWriter(&buf)
	if _, err := w.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func zst(t testing.TB, b []byte) []byte {
	t.Helper()
	w, err := zstd.NewWriter(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	return w.EncodeAll(b, nil)
}

// compressWith compresses b with codec (the tests' own compressors).
func compressWith(t testing.TB, codec tableio.Codec, b []byte) []byte {
	t.Helper()
	switch codec {
	case tableio.Gzip:
		return gz(t, b)
	case tableio.Zstd:
		return zst(t, b)
	}
	return b
}

// decompressed checks that b starts with codec's magic bytes and returns
// what it decompresses to (the tests' own decompressors).
func decompressed(t testing.TB, codec tableio.Codec, b []byte) []byte {
	t.Helper()
	magic := map[tableio.Codec][]byte{tableio.Gzip: {0x1f, 0x8b}, tableio.Zstd: {0x28, 0xb5, 0x2f, 0xfd}}[codec]
	if !bytes.HasPrefix(b, magic) {
		t.Fatalf("the output starts with % x, not %s's magic bytes % x", b[:min(len(b), 4)], codec, magic)
	}
	switch codec {
	case tableio.Gzip:
		r, err := stdgzip.NewReader(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		out, err := io.ReadAll(r)
		if err != nil {
			t.Fatalf("gzip output: %v", err)
		}
		return out
	case tableio.Zstd:
		d, err := zstd.NewReader(nil)
		if err != nil {
			t.Fatal(err)
		}
		defer d.Close()
		out, err := d.DecodeAll(b, nil)
		if err != nil {
			t.Fatalf("zstd output: %v", err)
		}
		return out
	}
	return b
}

var codecExt = map[tableio.Codec]string{tableio.Gzip: ".gz", tableio.Zstd: ".zst"}

// TestCompressedRoundTrip: for gzip and zstd, from a file and from standard
// input, to a file and to standard output, flip writes the codec of its
// input, decompressing to the bytes the uncompressed flip writes; undo of
// that writes the codec again, decompressing to the original bytes. The
// summary file stays plain JSON.
func TestCompressedRoundTrip(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	plain := bigCSV(3000)
	plainIn := writeFile(t, dir, "in.csv", plain)
	want := runCLI(t, "", append([]string{"flip", plainIn, "-q"}, flipArgs...)...)
	if want.code != 0 {
		t.Fatal(want.stderr)
	}
	for _, codec := range []tableio.Codec{tableio.Gzip, tableio.Zstd} {
		comp := compressWith(t, codec, []byte(plain))
		ext := codecExt[codec]
		in := writeFile(t, dir, "in.csv"+ext, string(comp))
		for _, fromStdin := range []bool{false, true} {
			for _, toStdout := range []bool{false, true} {
				t.Run(fmt.Sprintf("%s stdin %v stdout %v", codec, fromStdin, toStdout), func(t *testing.T) {
					out := t.TempDir()
					flipped := filepath.Join(out, "flipped.csv"+ext)
					sum := filepath.Join(out, "summary.json")
					args := append([]string{"flip", "--summary", sum, "-q"}, flipArgs...)
					stdin := ""
					if fromStdin {
						args, stdin = append(args, "-"), string(comp)
					} else {
						args = append(args, in)
					}
					if !toStdout {
						args = append(args, "-o", flipped)
					}
					r := runCLI(t, stdin, args...)
					if r.code != 0 {
						t.Fatalf("flip: exit %d: %s", r.code, r.stderr)
					}
					got := []byte(r.stdout)
					if !toStdout {
						var err error
						if got, err = os.ReadFile(flipped); err != nil {
							t.Fatal(err)
						}
					}
					if d := decompressed(t, codec, got); string(d) != want.stdout {
						t.Fatalf("the decompressed output (%d bytes) is not the uncompressed flip's (%d bytes)", len(d), len(want.stdout))
					}
					var s map[string]any
					if b, err := os.ReadFile(sum); err != nil || json.Unmarshal(b, &s) != nil || s["flips"] != 10.0 {
						t.Fatalf("summary: %v %v", err, s)
					}
					// And back.
					restored := filepath.Join(out, "restored.csv"+ext)
					args, stdin = []string{"undo", "-q"}, ""
					if fromStdin {
						args, stdin = append(args, "-"), string(got)
					} else {
						if toStdout {
							writeFile(t, out, "flipped.csv"+ext, string(got))
						}
						args = append(args, flipped)
					}
					if !toStdout {
						args = append(args, "-o", restored)
					}
					r = runCLI(t, stdin, args...)
					if r.code != 0 {
						t.Fatalf("undo: exit %d: %s", r.code, r.stderr)
					}
					back := []byte(r.stdout)
					if !toStdout {
						var err error
						if back, err = os.ReadFile(restored); err != nil {
							t.Fatal(err)
						}
					}
					if d := decompressed(t, codec, back); string(d) != plain {
						t.Fatalf("flip then undo, decompressed, is not the input (%d bytes, want %d)", len(d), len(plain))
					}
				})
			}
		}
	}
}

// TestCompressedFormats: the table's format is known from the name below
// the codec's ending (data.jsonl.gz, data.tsv.zst) or from the decompressed
// bytes (Parquet's magic); a Parquet file inside gzip or zstd is refused;
// a compressed CSV converted to Parquet (--output-format) gives a plain
// Parquet file, converted to JSON Lines a compressed one.
func TestCompressedFormats(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	jsonl := "{\"g\":\"min\",\"y\":0}\n{\"g\":\"maj\",\"y\":1}\n{\"g\":\"min\",\"y\":0}\n{\"g\":\"maj\",\"y\":0}\n"
	tsv := "g\ty\nmin\t0\nmaj\t1\nmin\t0\nmaj\t0\n"
	args := []string{"--sensitive", "g", "--minority", "min", "--label", "y", "--positive", "1", "--method", "random", "--flips", "1", "-q"}
	for _, c := range []struct {
		name, content string
		codec         tableio.Codec
	}{
		{"t.jsonl.gz", jsonl, tableio.Gzip},
		{"t.tsv.zst", tsv, tableio.Zstd},
	} {
		in := writeFile(t, dir, c.name, string(compressWith(t, c.codec, []byte(c.content))))
		plain := writeFile(t, dir, tableio.TrimCodecExt(c.name), c.content)
		want := runCLI(t, "", append([]string{"flip", plain}, args...)...)
		r := runCLI(t, "", append([]string{"flip", in}, args...)...)
		if want.code != 0 || r.code != 0 {
			t.Fatalf("%s: exit %d and %d: %s %s", c.name, want.code, r.code, want.stderr, r.stderr)
		}
		if got := decompressed(t, c.codec, []byte(r.stdout)); string(got) != want.stdout || !strings.Contains(want.stdout, "fairflip/1") {
			t.Fatalf("%s: %q, want %q", c.name, got, want.stdout)
		}
	}
	// CSV in gzip to Parquet: not wrapped.
	csvgz := writeFile(t, dir, "t.csv.gz", string(gz(t, []byte("g,y\nmin,0\nmaj,1\nmin,0\nmaj,0\n"))))
	pq := filepath.Join(dir, "out.parquet")
	if r := runCLI(t, "", append([]string{"flip", csvgz, "--output-format", "parquet", "-o", pq}, args...)...); r.code != 0 {
		t.Fatal(r.stderr)
	}
	if b, _ := os.ReadFile(pq); !bytes.HasPrefix(b, []byte("PAR1")) {
		t.Fatalf("--output-format parquet from a gzip CSV: % x...", b[:min(len(b), 8)])
	}
	r := runCLI(t, "", append([]string{"flip", csvgz, "--output-format", "jsonl"}, args...)...)
	if r.code != 0 || !strings.Contains(string(decompressed(t, tableio.Gzip, []byte(r.stdout))), `"fairflip_audit":`) {
		t.Fatalf("--output-format jsonl from a gzip CSV: exit %d: %s", r.code, r.stderr)
	}
	// Parquet inside gzip or zstd: refused, from a file and from stdin.
	pqBytes := testdata.CSVToParquet(t, "g,y\nmin,0\nmaj,1\n", 0)
	for _, codec := range []tableio.Codec{tableio.Gzip, tableio.Zstd} {
		comp := compressWith(t, codec, pqBytes)
		in := writeFile(t, dir, "t.parquet"+codecExt[codec], string(comp))
		out := filepath.Join(dir, "refused.out")
		for _, stdin := range []string{"", string(comp)} {
			src, name := in, in
			if stdin != "" {
				src, name = "-", "<stdin>"
			}
			r := runCLI(t, stdin, append([]string{"flip", src, "-o", out}, args...)...)
			if r.code != exitData {
				t.Fatalf("%s Parquet: exit %d, want %d: %s", codec, r.code, exitData, r.stderr)
			}
			oneLine(t, r.stderr, fmt.Sprintf("fairflip: %s is a Parquet file compressed with %s", name, codec))
			if _, err := os.Stat(out); err == nil {
				t.Fatal("an output was written")
			}
		}
	}
}

// TestCompressedBadData: compressed data that does not decompress
// (truncated, corrupt, a gzip header followed by garbage), and a gzip file
// of garbage, fail with exit 3 and one line naming the file, and write
// nothing: no -o file (an existing one unchanged), nothing on stdout, no
// temporary file.
func TestCompressedBadData(t *testing.T) {
	t.Parallel()
	plain := []byte(bigCSV(20000))
	gzBytes, zstBytes := gz(t, plain), zst(t, plain)
	corruptZst := append([]byte(nil), zstBytes...)
	for i := len(corruptZst) / 2; i < len(corruptZst)/2+16; i++ {
		corruptZst[i] ^= 0xa5
	}
	garbage := make([]byte, 4096)
	for i := range garbage {
		garbage[i] = byte(i*131 + i/7) // not UTF-8, no lines
	}
	cases := []struct {
		name    string
		content []byte
		msg     string
	}{
		{"truncated.csv.gz", gzBytes[:len(gzBytes)/2], "the gzip data ends in the middle of a stream: the file is truncated"},
		{"truncated.csv.zst", zstBytes[:len(zstBytes)-7], "the zstd data ends in the middle of a stream: the file is truncated"},
		{"corrupt.csv.zst", corruptZst, "not valid zstd data"},
		{"header-then-garbage.gz", append([]byte{0x1f, 0x8b, 0x08, 0x00}, garbage...), "not valid gzip data"},
		{"gzip-stream-then-garbage.csv.gz", append(append([]byte(nil), gzBytes...), garbage...), "bytes after the end of the gzip stream"},
		{"garbage.csv.gz", gz(t, garbage), "garbage.csv.gz:1: "},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			in := writeFile(t, dir, c.name, string(c.content))
			out := writeFile(t, dir, "out.csv.gz", "previous\n")
			for _, args := range [][]string{
				append([]string{"flip", in, "-o", out}, flipArgs...),
				append([]string{"flip", in}, flipArgs...),
				{"undo", in, "-o", out},
				{"eval", "--train", in, "--test", in, "--sensitive", "g", "--minority", "min", "--label", "y", "--positive", "1"},
			} {
				r := runCLI(t, "", args...)
				if r.code != exitData {
					t.Fatalf("%v: exit %d, want %d: %s", args[0], r.code, exitData, r.stderr)
				}
				oneLine(t, r.stderr, "fairflip: "+in)
				if !strings.Contains(r.stderr, c.msg) {
					t.Fatalf("stderr %q lacks %q", r.stderr, c.msg)
				}
				if r.stdout != "" {
					t.Fatalf("stdout: %d bytes", len(r.stdout))
				}
				assertDir(t, dir, map[string][]byte{c.name: c.content, "out.csv.gz": []byte("previous\n")})
			}
			// From standard input: named so.
			r := runCLI(t, string(c.content), append([]string{"flip", "-o", out}, flipArgs...)...)
			if r.code != exitData || !strings.Contains(r.stderr, "<stdin>") || !strings.Contains(r.stderr, strings.ReplaceAll(c.msg, c.name, "<stdin>")) {
				t.Fatalf("stdin: exit %d: %s", r.code, r.stderr)
			}
			assertDir(t, dir, map[string][]byte{c.name: c.content, "out.csv.gz": []byte("previous\n")})
		})
	}
}

// TestCompressedWriteErrors: a compressed output whose writes fail (at the
// first byte, or when the stream is ended) is exit 4 naming the output, and
// leaves the previous file as it was.
func TestCompressedWriteErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	in := writeFile(t, dir, "in.csv.zst", string(zst(t, []byte(bigCSV(5000)))))
	out := writeFile(t, dir, "out.csv.zst", "previous\n")
	size := 0
	count := &hooks{outputWriter: func(name string, w io.Writer) io.Writer { return &countWriter{w: w, n: &size} }}
	args := append([]string{"flip", in, "-o", out, "-q"}, flipArgs...)
	if r := runHooked(t, count, "", args...); r.code != 0 {
		t.Fatal(r.stderr)
	}
	writeFile(t, dir, "out.csv.zst", "previous\n")
	for _, n := range []int{0, size - 1} {
		fail := &hooks{outputWriter: func(name string, w io.Writer) io.Writer {
			return io.MultiWriter(&failAfter{n: n, err: syscall.ENOSPC}, w)
		}}
		r := runHooked(t, fail, "", args...)
		if r.code != exitIO {
			t.Fatalf("failing after %d of %d bytes: exit %d: %s", n, size, r.code, r.stderr)
		}
		oneLine(t, r.stderr, "fairflip: writing "+out+": no space left on device")
		assertDir(t, dir, map[string][]byte{"in.csv.zst": nil, "out.csv.zst": []byte("previous\n")})
	}
}

// TestCompressedInputChanged: a compressed regular file is checked for
// changes like a file read in place.
func TestCompressedInputChanged(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	content := gz(t, []byte(bigCSV(2000)))
	in := writeFile(t, dir, "in.csv.gz", string(content))
	out := writeFile(t, dir, "out.csv.gz", "previous\n")
	change := func() {
		f, err := os.OpenFile(in, os.O_APPEND|os.O_WRONLY, 0)
		if err != nil {
			t.Fatal(err)
		}
		f.Write(gz(t, []byte("99999,1.5,min,0\n")))
		f.Close()
	}
	for _, h := range []*hooks{{betweenPasses: change}, {afterWrite: change}} {
		writeFile(t, dir, "in.csv.gz", string(content))
		r := runHooked(t, h, "", append([]string{"flip", in, "-o", out, "-q"}, flipArgs...)...)
		if r.code != exitData {
			t.Fatalf("exit %d: %s", r.code, r.stderr)
		}
		oneLine(t, r.stderr, "fairflip: "+in+" changed while it was being read")
		assertDir(t, dir, map[string][]byte{"in.csv.gz": nil, "out.csv.gz": []byte("previous\n")})
	}
}

// TestCompressedReferenceAndParts: --reference and the files of
// --output-dir may be compressed; each part's output has its input's codec,
// and the flips are those of the uncompressed files.
func TestCompressedReferenceAndParts(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	table := bigCSV(600)
	ref := bigCSV(300)
	plainRef := writeFile(t, dir, "ref.csv", ref)
	gzRef := writeFile(t, dir, "ref.csv.gz", string(gz(t, []byte(ref))))
	in := writeFile(t, dir, "in.csv", table)
	args := []string{"--sensitive", "g", "--minority", "min", "--label", "y", "--positive", "1", "--method", "rb-prob", "--flips", "5"}
	want := runCLI(t, "", append([]string{"flip", in, "--reference", plainRef}, args...)...)
	sum := filepath.Join(dir, "s.json")
	got := runCLI(t, "", append([]string{"flip", in, "--reference", gzRef, "--summary", sum}, args...)...)
	if want.code != 0 || got.code != 0 {
		t.Fatalf("exit %d and %d: %s %s", want.code, got.code, want.stderr, got.stderr)
	}
	if got.stdout != want.stdout || !strings.Contains(got.stdout, "fairflip/1") {
		t.Fatal("--reference ref.csv.gz flips otherwise than --reference ref.csv")
	}
	var s map[string]any
	if b, err := os.ReadFile(sum); err != nil || json.Unmarshal(b, &s) != nil || s["reference_file"] != gzRef {
		t.Fatalf("summary's reference_file: %v (%v)", s["reference_file"], err)
	}
	bad := writeFile(t, dir, "bad-ref.csv.gz", string(gz(t, []byte(ref))[:100]))
	r := runCLI(t, "", append([]string{"flip", in, "--reference", bad}, args...)...)
	if r.code != exitData || r.stdout != "" {
		t.Fatalf("truncated reference: exit %d: %s", r.code, r.stderr)
	}
	oneLine(t, r.stderr, "fairflip: "+bad+": the gzip data ends in the middle of a stream")

	// Three parts: gzip, zstd and plain, as one table.
	lines := strings.SplitAfter(strings.TrimSuffix(table, "\n"), "\n")
	header, rows := lines[0], lines[1:]
	parts := []string{header + strings.Join(rows[:200], ""), header + strings.Join(rows[200:400], ""), header + strings.Join(rows[400:], "") + "\n"}
	plainDir, compDir := filepath.Join(dir, "plain"), filepath.Join(dir, "comp")
	names := []string{"a.csv.gz", "b.csv.zst", "c.csv"}
	codecs := []tableio.Codec{tableio.Gzip, tableio.Zstd, tableio.NoCodec}
	var plainParts, compParts []string
	for i, p := range parts {
		plainParts = append(plainParts, writeFile(t, dir, fmt.Sprintf("p%d.csv", i), p))
		compParts = append(compParts, writeFile(t, dir, names[i], string(compressWith(t, codecs[i], []byte(p)))))
	}
	for _, d := range []string{plainDir, compDir} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if r := runCLI(t, "", append(append([]string{"flip", "--output-dir", plainDir, "-q"}, plainParts...), args...)...); r.code != 0 {
		t.Fatal(r.stderr)
	}
	if r := runCLI(t, "", append(append([]string{"flip", "--output-dir", compDir, "-q", "--reference", gzRef}, compParts...), args...)...); r.code != 0 {
		t.Fatal(r.stderr)
	}
	if r := runCLI(t, "", append(append([]string{"flip", "--output-dir", plainDir, "-q", "--reference", plainRef}, plainParts...), args...)...); r.code != 0 {
		t.Fatal(r.stderr)
	}
	for i := range parts {
		wantPart, err := os.ReadFile(filepath.Join(plainDir, fmt.Sprintf("p%d.csv", i)))
		if err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(filepath.Join(compDir, names[i]))
		if err != nil {
			t.Fatal(err)
		}
		if codecs[i] != tableio.NoCodec {
			b = decompressed(t, codecs[i], b)
		}
		if !bytes.Equal(b, wantPart) {
			t.Fatalf("part %s: the decompressed output is not the plain part's", names[i])
		}
	}
	// undo --output-dir of the compressed parts gives them back.
	backDir := filepath.Join(dir, "back")
	os.Mkdir(backDir, 0o755)
	var flipped []string
	for _, n := range names {
		flipped = append(flipped, filepath.Join(compDir, n))
	}
	if r := runCLI(t, "", append([]string{"undo", "--output-dir", backDir, "-q"}, flipped...)...); r.code != 0 {
		t.Fatal(r.stderr)
	}
	for i, n := range names {
		b, _ := os.ReadFile(filepath.Join(backDir, n))
		if codecs[i] != tableio.NoCodec {
			b = decompressed(t, codecs[i], b)
		}
		if string(b) != parts[i] {
			t.Fatalf("undo of part %s is not the part", n)
		}
	}
}

// TestCompressedEval: eval and sweep read compressed training and test
// files, with the metrics of the uncompressed ones.
func TestCompressedEval(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	train, test := synthCSV(300, 1), synthCSV(200, 2)
	plainTrain, plainTest := writeFile(t, dir, "train.csv", train), writeFile(t, dir, "test.csv", test)
	gzTrain := writeFile(t, dir, "train.csv.gz", string(gz(t, []byte(train))))
	zstTest := writeFile(t, dir, "test.csv.zst", string(zst(t, []byte(test))))
	sim := []string{"--sensitive", "g", "--minority", "min", "--label", "y", "--positive", "1", "--json"}
	want := runCLI(t, "", append([]string{"eval", "--train", plainTrain, "--test", plainTest}, sim...)...)
	got := runCLI(t, "", append([]string{"eval", "--train", gzTrain, "--test", zstTest}, sim...)...)
	if want.code != 0 || got.code != 0 {
		t.Fatalf("exit %d and %d: %s %s", want.code, got.code, want.stderr, got.stderr)
	}
	var w, g map[string]any
	if json.Unmarshal([]byte(want.stdout), &w) != nil || json.Unmarshal([]byte(got.stdout), &g) != nil {
		t.Fatalf("not JSON: %q %q", want.stdout, got.stdout)
	}
	for _, k := range []string{"error", "sp", "eqod_mean", "eqod_max"} {
		if w[k] == nil || fmt.Sprint(w[k]) != fmt.Sprint(g[k]) {
			t.Errorf("%s: %v compressed, %v plain", k, g[k], w[k])
		}
	}
	if g["train"] != gzTrain || g["test"] != zstTest {
		t.Errorf("named %v and %v", g["train"], g["test"])
	}
	// Training data from standard input, compressed.
	r := runCLI(t, string(zst(t, []byte(train))), append([]string{"eval", "--train", "-", "--test", plainTest}, sim...)...)
	if r.code != 0 || !strings.Contains(r.stdout, fmt.Sprint(w["eqod_mean"])) {
		t.Fatalf("stdin: exit %d: %s", r.code, r.stderr)
	}
	sw := []string{"--sensitive", "g", "--minority", "min", "--label", "y", "--positive", "1", "--methods", "random", "--alpha", "1", "--flips", "0,5", "--runs", "1", "-q"}
	ws := runCLI(t, "", append([]string{"sweep", plainTrain, "--test", plainTest}, sw...)...)
	gs := runCLI(t, "", append([]string{"sweep", gzTrain, "--test", zstTest}, sw...)...)
	if ws.code != 0 || gs.code != 0 {
		t.Fatalf("sweep: exit %d and %d: %s %s", ws.code, gs.code, ws.stderr, gs.stderr)
	}
	_, wt, _ := strings.Cut(ws.stdout, "\n")
	_, gt, _ := strings.Cut(gs.stdout, "\n")
	if wt != gt {
		t.Fatalf("sweep on compressed files:\n%s\nwant\n%s", gt, wt)
	}
}

// TestShippedAdult runs the README's commands on the Adult files shipped
// in the repository (gzip): flip, undo back to the same decompressed
// bytes, eval on the shipped test file.
func TestShippedAdult(t *testing.T) {
	t.Parallel()
	data, test := testdata.Shipped(t, testdata.AdultDataGz), testdata.Shipped(t, testdata.AdultTestGz)
	dir := t.TempDir()
	flipped, restored := filepath.Join(dir, "a.csv.gz"), filepath.Join(dir, "back.csv.gz")
	cols := []string{"--no-header", "--header-names", testdata.AdultColumns}
	groups := []string{"--sensitive", "race", "--minority", "Black", "--label", "income", "--positive", ">50K"}
	r := runCLI(t, "", append(append([]string{"flip", data, "-o", flipped, "--alpha", "0.3", "--seed", "1"}, cols...), groups...)...)
	if r.code != 0 || !strings.Contains(r.stderr, "32561 rows: 3124 minority, 29437 majority") || !strings.Contains(r.stderr, "flipped 19") {
		t.Fatalf("flip: exit %d: %s", r.code, r.stderr)
	}
	if r := runCLI(t, "", "undo", flipped, "-o", restored, "--no-header"); r.code != 0 || !strings.Contains(r.stderr, "19 labels restored") {
		t.Fatalf("undo: exit %d: %s", r.code, r.stderr)
	}
	orig, err := os.ReadFile(data)
	if err != nil {
		t.Fatal(err)
	}
	back, err := os.ReadFile(restored)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(decompressed(t, tableio.Gzip, back), decompressed(t, tableio.Gzip, orig)) {
		t.Fatal("flip then undo of adult.data.gz does not decompress to adult.data")
	}
	r = runCLI(t, "", append(append([]string{"eval", "--train", data, "--test", test, "--comment", "|", "--positive", ">50K.", "--json"}, cols...), groups...)...)
	if r.code != 0 {
		t.Fatalf("eval: exit %d: %s", r.code, r.stderr)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &m); err != nil {
		t.Fatal(err)
	}
	if m["n"] != 16281.0 || fmt.Sprintf("%.4f", m["eqod_mean"]) != "0.0827" {
		t.Fatalf("eval on the shipped Adult: n %v, EqOd %v", m["n"], m["eqod_mean"])
	}
}

// TestCompressedInterrupted: a compressed stream that never ends (gzip of
// zeros, from standard input) is decompressed into $TMPDIR until an
// interrupt, which stops it: exit 130, no output.
func TestCompressedInterrupted(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	out := filepath.Join(dir, "out.csv.gz")
	pr, pw := io.Pipe()
	go func() {
		zw := stdgzip.NewWriter(pw)
		zeros := make([]byte, 1<<16)
		for {
			if _, err := zw.Write(zeros); err != nil {
				return
			}
		}
	}()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stdin := &cancelAfter{r: pr, n: 32 << 10, cancel: cancel} // about 32 MiB of zeros
	var stdout, stderr bytes.Buffer
	done := make(chan int, 1)
	go func() {
		done <- env{stdin: stdin, stdout: &stdout, stderr: &stderr}.runLocked(ctx, append([]string{"fairflip", "flip", "-", "-o", out}, flipArgs...))
	}()
	code := <-done // a decompression the interrupt did not stop would never end
	pr.Close()
	if code != exitInterrupted {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	assertDir(t, dir, map[string][]byte{})
}

// cancelAfter reads r and cancels after n bytes.
type cancelAfter struct {
	r      io.Reader
	n      int
	cancel func()
}

func (c *cancelAfter) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if c.n -= n; c.n <= 0 {
		c.cancel()
	}
	return n, err
}
