package tableio

import (
	"bytes"
	stdgzip "compress/gzip"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/klauspost/compress/zstd"
)

func TestDetectCodec(t *testing.T) {
	for _, c := range []struct {
		head string
		want Codec
	}{
		{"\x1f\x8b\x08\x00", Gzip},
		{"\x1f\x8b", Gzip},
		{"\x28\xb5\x2f\xfd", Zstd},
		{"\x28\xb5\x2f", NoCodec}, // too short to be zstd
		{"\x1f", NoCodec},
		{"", NoCodec},
		{"PAR1", NoCodec},
		{"a,b\n", NoCodec},
	} {
		if got := DetectCodec([]byte(c.head)); got != c.want {
			t.Errorf("DetectCodec(% x) = %q, want %q", c.head, got, c.want)
		}
	}
}

func TestTrimCodecExt(t *testing.T) {
	for in, want := range map[string]string{
		"d/a.jsonl.gz": "d/a.jsonl", "a.tsv.ZST": "a.tsv", "a.csv.zstd": "a.csv", "a.gzip": "a",
		"a.csv": "a.csv", "a.parquet": "a.parquet", "gz": "gz", "a.tgz": "a.tgz",
	} {
		if got := TrimCodecExt(in); got != want {
			t.Errorf("TrimCodecExt(%q) = %q, want %q", in, got, want)
		}
	}
	if Gzip.Compresses(Parquet) || !Zstd.Compresses(CSV) || !Gzip.Compresses(JSONL) || NoCodec.Compresses(CSV) {
		t.Error("Compresses: Parquet is never wrapped, every other format is, and NoCodec compresses nothing")
	}
}

// decompressAll reads everything Decompress gives.
func decompressAll(t *testing.T, b []byte) ([]byte, Codec, error) {
	t.Helper()
	r, codec, err := Decompress(bytes.NewReader(b))
	if err != nil {
		return nil, codec, err
	}
	defer r.Close()
	out, err := io.ReadAll(r)
	return out, codec, err
}

// TestCompressRoundTrip: what NewWriter compresses decompresses (with
// Decompress, and with an independent reader: the standard library's gzip,
// klauspost's zstd DecodeAll) to the same bytes; the same bytes compress to
// the same bytes; NoCodec passes bytes through, even short ones.
func TestCompressRoundTrip(t *testing.T) {
	data := []byte(strings.Repeat("id,x,g,y\n1,3.25,min,0\n2,4,maj,1\n", 5000))
	for _, codec := range []Codec{Gzip, Zstd} {
		compress := func() []byte {
			var buf bytes.Buffer
			w, err := codec.NewWriter(&buf)
			if err != nil {
				t.Fatal(err)
			}
			for p := data; len(p) > 0; p = p[min(len(p), 777):] {
				if _, err := w.Write(p[:min(len(p), 777)]); err != nil {
					t.Fatal(err)
				}
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			return buf.Bytes()
		}
		c := compress()
		if DetectCodec(c) != codec {
			t.Fatalf("%s: output starts % x", codec, c[:4])
		}
		if again := compress(); !bytes.Equal(c, again) {
			t.Fatalf("%s: the same bytes compressed twice differ", codec)
		}
		if len(c) >= len(data)/4 {
			t.Errorf("%s: %d bytes compressed to %d", codec, len(data), len(c))
		}
		got, gotCodec, err := decompressAll(t, c)
		if err != nil || gotCodec != codec || !bytes.Equal(got, data) {
			t.Fatalf("%s: Decompress: codec %q, %d bytes, %v", codec, gotCodec, len(got), err)
		}
		var other []byte
		switch codec {
		case Gzip:
			r, err := stdgzip.NewReader(bytes.NewReader(c))
			if err != nil {
				t.Fatal(err)
			}
			if other, err = io.ReadAll(r); err != nil {
				t.Fatal(err)
			}
			if r.Header.Name != "" || !r.Header.ModTime.IsZero() {
				t.Errorf("gzip header has name %q, time %v", r.Header.Name, r.Header.ModTime)
			}
		case Zstd:
			d, _ := zstd.NewReader(nil)
			if other, err = d.DecodeAll(c, nil); err != nil {
				t.Fatal(err)
			}
			d.Close()
		}
		if !bytes.Equal(other, data) {
			t.Fatalf("%s: an independent decompressor reads %d bytes, not the %d written", codec, len(other), len(data))
		}
	}
	for _, s := range []string{"", "a", "a,b", "a,b\n1,2\n"} {
		got, codec, err := decompressAll(t, []byte(s))
		if err != nil || codec != NoCodec || string(got) != s {
			t.Errorf("%q: %q, %q, %v", s, got, codec, err)
		}
		var buf bytes.Buffer
		w, _ := NoCodec.NewWriter(&buf)
		w.Write([]byte(s))
		if w.Close() != nil || buf.String() != s {
			t.Errorf("NoCodec writer: %q", buf.String())
		}
	}
}

// TestDecompressStreams: concatenated gzip members and zstd frames are one
// stream, as gzip -d and zstd -d read them.
func TestDecompressStreams(t *testing.T) {
	var gz bytes.Buffer
	for _, part := range []string{"a,b\n", "1,2\n", "3,4\n"} {
		w := stdgzip.NewWriter(&gz)
		w.Write([]byte(part))
		w.Close()
	}
	got, codec, err := decompressAll(t, gz.Bytes())
	if err != nil || codec != Gzip || string(got) != "a,b\n1,2\n3,4\n" {
		t.Fatalf("gzip members: %q %v", got, err)
	}
	e, _ := zstd.NewWriter(nil)
	z := e.EncodeAll([]byte("a,b\n"), nil)
	z = e.EncodeAll([]byte("1,2\n"), z)
	got, codec, err = decompressAll(t, z)
	if err != nil || codec != Zstd || string(got) != "a,b\n1,2\n" {
		t.Fatalf("zstd frames: %q %v", got, err)
	}
}

// TestDecompressErrors: damaged data is ErrMalformed and says what is
// wrong; a failing reader's error is returned as it is, not ErrMalformed.
func TestDecompressErrors(t *testing.T) {
	var b strings.Builder
	for i := range 20000 {
		fmt.Fprintf(&b, "%d,%d,min,%d\n", i, i*7919%100003, i%2)
	}
	data := []byte(b.String())
	var gzBuf bytes.Buffer
	w := stdgzip.NewWriter(&gzBuf)
	w.Write(data)
	w.Close()
	gz := gzBuf.Bytes()
	e, _ := zstd.NewWriter(nil)
	zs := e.EncodeAll(data, nil)
	corrupt := append([]byte(nil), zs...)
	for i := len(corrupt) / 2; i < len(corrupt)/2+16; i++ {
		corrupt[i] ^= 0x5a
	}
	badCRC := append([]byte(nil), gz...)
	badCRC[len(badCRC)-8] ^= 1
	for _, c := range []struct {
		name string
		in   []byte
		msg  string
	}{
		{"truncated gzip", gz[:len(gz)/2], "the gzip data ends in the middle of a stream: the file is truncated"},
		{"gzip magic only", gz[:2], "the gzip data ends in the middle of a stream"},
		{"gzip checksum", badCRC, "not valid gzip data: gzip: invalid checksum"},
		{"gzip then junk", append(append([]byte(nil), gz...), bytes.Repeat([]byte("junk"), 10)...), "bytes after the end of the gzip stream"},
		{"bad gzip header", []byte("\x1f\x8b\x07junkjunkjunk"), "not valid gzip data"},
		{"truncated zstd", zs[:len(zs)-5], "the zstd data ends in the middle of a stream"},
		{"corrupt zstd", corrupt, "not valid zstd data"},
	} {
		_, _, err := decompressAll(t, c.in)
		if !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%s: %v, want ErrMalformed with %q", c.name, err, c.msg)
		}
	}
	// The reader fails after the magic bytes: its error, not the data's.
	boom := errors.New("boom")
	for _, in := range [][]byte{gz, zs} {
		if len(in) < 1000 {
			t.Fatalf("% x: %d bytes: the test needs a longer stream", in[:2], len(in))
		}
		r, _, err := Decompress(io.MultiReader(bytes.NewReader(in[:300]), iotest.ErrReader(boom)))
		if err == nil {
			_, err = io.ReadAll(r)
			r.Close()
		}
		if !errors.Is(err, boom) || errors.Is(err, ErrMalformed) {
			t.Errorf("% x: a failing reader gives %v", in[:2], err)
		}
	}
	if _, _, err := Decompress(iotest.ErrReader(boom)); !errors.Is(err, boom) {
		t.Errorf("a reader that fails at once: %v", err)
	}
}
