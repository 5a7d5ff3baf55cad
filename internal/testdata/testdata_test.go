package testdata

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"regexp"
	"strconv"
	"testing"

	tableio "github.com/fairflip/fairflip/io"
)

// TestShippedAdult: the shipped Adult files decompress to the bytes whose
// sizes and sha256 testdata/adult/SOURCE.md records, and are gzip files
// without a name or time in their header (gzip -9 -n).
func TestShippedAdult(t *testing.T) {
	source, err := os.ReadFile(Shipped(t, "adult/SOURCE.md"))
	if err != nil {
		t.Fatal(err)
	}
	// | `adult.data.gz` | `adult.data` | 3974305 | `5b00...` | 32561 |
	row := regexp.MustCompile("(?m)^\\| `([^`]+\\.gz)` \\| `[^`]+` \\| ([0-9]+) \\| `([0-9a-f]{64})` \\|")
	rows := row.FindAllSubmatch(source, -1)
	want := map[string][2]string{}
	for _, m := range rows {
		want["adult/"+string(m[1])] = [2]string{string(m[2]), string(m[3])}
	}
	for _, rel := range []string{AdultDataGz, AdultTestGz} {
		w, ok := want[rel]
		if !ok {
			t.Fatalf("SOURCE.md has no row for %s", rel)
		}
		f, err := os.Open(Shipped(t, rel))
		if err != nil {
			t.Fatal(err)
		}
		head := make([]byte, 10)
		if _, err := io.ReadFull(f, head); err != nil {
			t.Fatal(err)
		}
		// Flags 0 (no name), MTIME 0, XFL 2 (gzip -9).
		if tableio.DetectCodec(head) != tableio.Gzip || head[3] != 0 || string(head[4:8]) != "\x00\x00\x00\x00" || head[8] != 2 {
			t.Errorf("%s: gzip header % x, want one of gzip -9 -n", rel, head)
		}
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			t.Fatal(err)
		}
		r, codec, err := tableio.Decompress(f)
		if err != nil || codec != tableio.Gzip {
			t.Fatalf("%s: codec %q, %v", rel, codec, err)
		}
		h := sha256.New()
		n, err := io.Copy(h, r)
		r.Close()
		f.Close()
		if err != nil {
			t.Fatalf("%s: %v", rel, err)
		}
		if got := hex.EncodeToString(h.Sum(nil)); got != w[1] {
			t.Errorf("%s decompresses to sha256 %s, SOURCE.md says %s", rel, got, w[1])
		}
		if size, _ := strconv.ParseInt(w[0], 10, 64); n != size {
			t.Errorf("%s decompresses to %d bytes, SOURCE.md says %s", rel, n, w[0])
		}
	}
}
