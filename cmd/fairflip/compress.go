package main

// Compressed inputs and outputs. An input (a file or standard input) whose
// first bytes are gzip's or zstd's magic number is decompressed into a
// temporary file, which every pass reads; a compressed regular file is
// still checked for changes (commandInput.unchanged), by its own identity,
// size and time. The table written from a compressed input is compressed
// with the same codec (tableio.Codec.NewWriter); a Parquet output is not
// (Parquet compresses its own pages), and a summary never is.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/fairflip/fairflip/internal/fferr"
	tableio "github.com/fairflip/fairflip/io"
	"github.com/fairflip/fairflip/transform"
)

// fileCodec is the codec the regular file path starts with.
func fileCodec(path string) (tableio.Codec, error) {
	f, err := os.Open(path)
	if err != nil {
		return tableio.NoCodec, fferr.IO(err)
	}
	defer f.Close()
	head := make([]byte, tableio.CodecHeadBytes)
	n, err := io.ReadFull(f, head)
	if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
		return tableio.NoCodec, fferr.IO(fmt.Errorf("reading %s: %w", path, bare(err)))
	}
	return tableio.DetectCodec(head[:n]), nil
}

// openCompressed opens the compressed regular file path (st): it is
// decompressed into a temporary file, and checked for changes like a file
// read in place.
func openCompressed(ctx context.Context, path string, st os.FileInfo, format tableio.Format) (*commandInput, error) {
	in, err := spooledInput(ctx, path, path, format, func() (io.Reader, func(), error) {
		f, err := os.Open(path)
		if err != nil {
			return nil, nil, fferr.IO(err)
		}
		return f, func() { f.Close() }, nil
	})
	if err != nil {
		return nil, err
	}
	in.path, in.stamp = path, st
	return in, nil
}

// spoolError is the error of reading the input name while it is copied:
// compressed data that does not decompress is bad data, anything else an
// I/O error.
func spoolError(name string, err error) error {
	if errors.Is(err, tableio.ErrMalformed) {
		return fferr.Data("%s: %v; nothing was written", name, err)
	}
	return fferr.IO(fmt.Errorf("reading %s: %w", name, bare(err)))
}

// compressedParquet refuses a Parquet file inside gzip or zstd.
func compressedParquet(name string, codec tableio.Codec) error {
	tool := "gzip"
	if codec == tableio.Zstd {
		tool = "zstd"
	}
	return fferr.Data("%s is a Parquet file compressed with %s: fairflip reads CSV, TSV and JSON Lines compressed with gzip or zstd, but not Parquet, which compresses its own pages; decompress it first (%s -dc %s > table.parquet)", name, codec, tool, name)
}

// outputFormat tells in the --output-format of its output ("" or an
// invalid value: its own format, or an error reported later): a
// compressed input's output in Parquet is not compressed.
func (in *commandInput) outputFormat(s string) {
	f, err := tableio.ParseFormat(s)
	if err != nil || f == "" {
		return
	}
	if !in.codec.Compresses(f) {
		in.outCodec = tableio.NoCodec
	}
}

// compressing wraps write so that what it writes is compressed with the
// codec of in's output (as it is, when none). The compressed stream is
// ended only when write succeeds: after a failure, what went to standard
// output is a stream without its end, which no decompressor takes for a
// whole one.
func (in *commandInput) compressing(write func(io.Writer) error) func(io.Writer) error {
	codec := in.outCodec
	if codec == tableio.NoCodec {
		return write
	}
	return func(w io.Writer) error {
		cw, err := codec.NewWriter(w)
		if err != nil {
			return fferr.Wrap(fferr.ErrInternal, err)
		}
		if err := write(cw); err != nil {
			return err
		}
		if err := cw.Close(); err != nil {
			// A failed write to w is reported by output.write.
			return fferr.IO(fmt.Errorf("compressing with %s: %w", codec, err))
		}
		return nil
	}
}

// openReference decompresses a compressed --reference file into a
// temporary file, which the flip reads (opt.ReferenceSource) while its
// messages and summary name the file; the function returned removes it.
// Any other reference is read in place, as before.
func openReference(ctx context.Context, opt *transform.Options) (func(), error) {
	none := func() {}
	if opt.Reference == "" {
		return none, nil
	}
	st, err := os.Stat(opt.Reference)
	if err != nil || !st.Mode().IsRegular() {
		return none, nil // read, and refused, as before
	}
	codec, err := fileCodec(opt.Reference)
	if err != nil {
		return nil, err
	}
	if codec == tableio.NoCodec {
		return none, nil
	}
	in, err := openCompressed(ctx, opt.Reference, st, "")
	if err != nil {
		return nil, err
	}
	opt.ReferenceSource = in.source
	return in.cleanup, nil
}
