package tableio

// Compressed tables: a CSV, TSV or JSON Lines file in gzip or zstd. The
// codec is known by the file's first bytes (its magic number), never by its
// name. A reader of a compressed table decompresses it as a stream; a
// writer compresses what it is given with the same codec. Parquet is never
// wrapped: it compresses its own pages.

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

// Codec is the compression around a table's bytes ("": none).
type Codec string

// The codecs fairflip reads and writes.
const (
	NoCodec Codec = ""
	Gzip    Codec = "gzip"
	Zstd    Codec = "zstd"
)

// The magic numbers that start a compressed stream: gzip's (RFC 1952) and
// a zstd frame's (RFC 8878).
var (
	gzipMagic = []byte{0x1f, 0x8b}
	zstdMagic = []byte{0x28, 0xb5, 0x2f, 0xfd}
)

// CodecHeadBytes is how many first bytes DetectCodec needs.
const CodecHeadBytes = 4

// zstdMaxWindow is the largest zstd window (the memory a stream may make
// the decoder keep) that is read: 128 MiB, the zstd tool's own limit unless
// it is given --long or --memory.
const zstdMaxWindow = 1 << 27

// DetectCodec is the codec whose magic number head starts with (NoCodec
// when none does).
func DetectCodec(head []byte) Codec {
	switch {
	case bytes.HasPrefix(head, gzipMagic):
		return Gzip
	case bytes.HasPrefix(head, zstdMagic):
		return Zstd
	}
	return NoCodec
}

// Compresses reports whether an output of format f is compressed like its
// input: every format but Parquet, which compresses its own pages.
func (c Codec) Compresses(f Format) bool {
	return c != NoCodec && f != Parquet
}

// TrimCodecExt drops a compressed file's ending (.gz, .gzip, .zst, .zstd)
// from path, so that the table's format can be known by the name below it
// (data.jsonl.gz: JSON Lines). Other paths are returned as they are.
func TrimCodecExt(path string) string {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".gz", ".gzip", ".zst", ".zstd":
		return strings.TrimSuffix(path, filepath.Ext(path))
	}
	return path
}

// Decompress reads r's first bytes: when they are a codec's magic number
// it returns a reader of the decompressed stream, and the codec; else a
// reader of r's bytes as they are, and NoCodec. An error of r is returned
// as it is; an error of the compressed data (corrupt, truncated, with bytes
// after its end that are not another stream) is ErrMalformed and says what
// is wrong, without a file name. Close releases the decompressor (not r).
func Decompress(r io.Reader) (io.ReadCloser, Codec, error) {
	src := &sourceReader{r: r}
	br := bufio.NewReaderSize(src, 64<<10)
	head, err := br.Peek(CodecHeadBytes)
	if err != nil && err != io.EOF {
		return nil, NoCodec, err
	}
	codec := DetectCodec(head)
	var dec io.Reader
	closeDec := func() {}
	switch codec {
	case NoCodec:
		return io.NopCloser(br), NoCodec, nil
	case Gzip:
		z, err := gzip.NewReader(br)
		if err != nil {
			return nil, codec, src.classify(codec, err)
		}
		dec = z
	case Zstd:
		z, err := zstd.NewReader(br, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxWindow(zstdMaxWindow))
		if err != nil {
			return nil, codec, src.classify(codec, err)
		}
		dec, closeDec = z, z.Close
	}
	return &decompressor{codec: codec, src: src, r: dec, close: closeDec}, codec, nil
}

// sourceReader is the compressed stream's reader: it keeps r's first
// error, so that a decompressor's error can be told from its input's.
type sourceReader struct {
	r   io.Reader
	err error
}

func (s *sourceReader) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	if err != nil && err != io.EOF && s.err == nil {
		s.err = err
	}
	return n, err
}

// classify gives a decompressor's error its kind: the input's own error
// as it is, anything else ErrMalformed, in words.
func (s *sourceReader) classify(codec Codec, err error) error {
	switch {
	case err == nil || err == io.EOF:
		return err
	case s.err != nil:
		return s.err
	case errors.Is(err, io.ErrUnexpectedEOF):
		return withKind(ErrMalformed, fmt.Errorf("the %s data ends in the middle of a stream: the file is truncated (or has stray bytes after its end)", codec))
	case codec == Zstd && errors.Is(err, zstd.ErrWindowSizeExceeded):
		return withKind(ErrMalformed, fmt.Errorf("the zstd stream needs a window larger than %d MiB (it was written with zstd --long): decompress it first with zstd -d --long=31", zstdMaxWindow>>20))
	case codec == Gzip && errors.Is(err, gzip.ErrHeader):
		return withKind(ErrMalformed, fmt.Errorf("not valid gzip data (%v): a corrupt file, or bytes after the end of the gzip stream that are not another gzip stream", err))
	}
	return withKind(ErrMalformed, fmt.Errorf("not valid %s data: %v", codec, err))
}

// decompressor reads a compressed stream, its errors classified.
type decompressor struct {
	codec Codec
	src   *sourceReader
	r     io.Reader
	close func()
}

func (d *decompressor) Read(p []byte) (int, error) {
	n, err := d.r.Read(p)
	return n, d.src.classify(d.codec, err)
}

func (d *decompressor) Close() error {
	d.close()
	return nil
}

// CompressWriter compresses what is written to it with a codec.
type CompressWriter struct {
	codec Codec
	w     io.WriteCloser
}

// NewWriter returns a writer that compresses into w with c: gzip at its
// default level, without a file name or time in its header; zstd at its
// default level, with a checksum. The same bytes always compress to the
// same bytes. NoCodec writes to w as it is.
func (c Codec) NewWriter(w io.Writer) (*CompressWriter, error) {
	switch c {
	case NoCodec:
		return &CompressWriter{codec: c, w: nopWriteCloser{w}}, nil
	case Gzip:
		z, err := gzip.NewWriterLevel(w, gzip.DefaultCompression)
		if err != nil {
			return nil, withKind(ErrInternal, err)
		}
		return &CompressWriter{codec: c, w: z}, nil
	case Zstd:
		z, err := zstd.NewWriter(w, zstd.WithEncoderConcurrency(1), zstd.WithEncoderLevel(zstd.SpeedDefault))
		if err != nil {
			return nil, withKind(ErrInternal, err)
		}
		return &CompressWriter{codec: c, w: z}, nil
	}
	return nil, withKind(ErrInternal, fmt.Errorf("unknown codec %q", c))
}

func (cw *CompressWriter) Write(p []byte) (int, error) { return cw.w.Write(p) }

// Close ends the compressed stream: it writes what is buffered and the
// stream's trailer. It does not close the writer below. A writer that is
// not closed (after a failure) leaves a stream without its end, which no
// decompressor takes for a whole one.
func (cw *CompressWriter) Close() error { return cw.w.Close() }

type nopWriteCloser struct{ io.Writer }

func (nopWriteCloser) Close() error { return nil }
