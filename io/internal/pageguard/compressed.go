package pageguard

// Compressed page data against the uncompressed size its page header
// declares, before parquet-go allocates that size.

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"

	"github.com/andybalholm/brotli"
	"github.com/fairflip/fairflip/io/internal/pagecodec"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"
	"github.com/pierrec/lz4/v4"
)

// CheckCompressedPage checks compressed page data against the uncompressed
// size its header declares, before parquet-go allocates that size: the data
// must decompress to exactly declared bytes (as Arrow requires), and this is
// checked without allocating declared bytes where the codec allows.
//
//   - snappy: the length written at the start of the data must equal declared,
//     and the data is walked (not decoded) to check that it gives that length.
//   - gzip and brotli: the data is decompressed in a stream, kept in no
//     buffer, and must give exactly declared bytes.
//   - zstd: the content sizes of the frames (written by every writer we know)
//     must add up to declared; data with a frame that does not say is
//     decompressed with at most declared bytes of memory and must give
//     exactly declared bytes.
//   - LZ4_RAW: declared must be within LZ4's maximum ratio (255 to 1) of the
//     data, which is then decompressed (parquet-go loops forever on some
//     corrupt LZ4 data) and must give exactly declared bytes.
//
// So a lying header is refused, except a zstd frame whose content size lies as
// much as the page header: that costs parquet-go a buffer of the declared size,
// which the page limit (tableio.ParquetLimits) bounds.
func CheckCompressedPage(codec format.CompressionCodec, data []byte, declared int64) error {
	mismatch := func(n int64) error {
		return fmt.Errorf("it decompresses to %d bytes, not the %d bytes its header declares", n, declared)
	}
	switch codec {
	case format.Snappy:
		return checkSnappy(data, declared)
	case format.Zstd:
		return checkZstd(data, declared)
	case format.Lz4Raw:
		// parquet-go's LZ4_RAW decoder retries with a buffer twice as large
		// whenever decoding fails, forever on corrupt data: decode it here first.
		if declared > 255*int64(len(data))+16 {
			return fmt.Errorf("%d bytes of LZ4 data cannot decompress to the %d bytes its header declares", len(data), declared)
		}
		dst := make([]byte, declared)
		n, err := lz4.UncompressBlock(data, dst)
		if err != nil {
			return err
		}
		if int64(n) != declared {
			return mismatch(int64(n))
		}
	case format.Gzip:
		// parquet-go panics when the gzip header is invalid.
		z, err := gzip.NewReader(bytes.NewReader(data))
		if err != nil {
			return err
		}
		n, err := io.Copy(io.Discard, io.LimitReader(z, declared+1))
		if err != nil {
			return err
		}
		if n != declared {
			return mismatch(n)
		}
	case format.Brotli:
		n, err := io.Copy(io.Discard, io.LimitReader(brotli.NewReader(bytes.NewReader(data)), declared+1))
		if err != nil {
			return err
		}
		if n != declared {
			return mismatch(n)
		}
	}
	return nil
}

// Decompress decompresses page data that CheckCompressedPage accepted,
// with parquet-go's codec (as parquet-go will), into buf if it is large enough.
func Decompress(codec format.CompressionCodec, data []byte, declared int64, buf []byte) ([]byte, error) {
	if int64(cap(buf)) < declared {
		buf = make([]byte, declared)
	}
	out, err := parquet.LookupCompressionCodec(codec).Decode(buf[:declared], data)
	if err != nil {
		return buf, err
	}
	if int64(len(out)) != declared {
		return buf, fmt.Errorf("it decompresses to %d bytes, not the %d bytes its header declares", len(out), declared)
	}
	return out, nil
}

// checkSnappy checks that snappy data decodes to exactly declared bytes: the
// length written at its start must be declared, and its literals and copies
// must add up to that length (pagecodec.SnappyDecode walks them without decoding).
func checkSnappy(src []byte, declared int64) error {
	if n, k := binary.Uvarint(src); k > 0 && n <= math.MaxUint32 && n != uint64(declared) {
		return fmt.Errorf("its snappy length %d is not the %d bytes its header declares", n, declared)
	}
	_, err := pagecodec.SnappyDecode(nil, src)
	return err
}

// checkZstd walks the frames of zstd data: the window must not exceed 128 MiB
// (zstd's own default limit for decoders), and the content sizes of the frames
// must add up to declared. If a frame does not say its content size (as
// parquet-go's writer does for small pages), the data is decompressed, with at
// most declared bytes (or the window, if larger) of memory for the output, and
// must give exactly declared bytes.
func checkZstd(src []byte, declared int64) error {
	all := src
	var total uint64
	unknown := false // a frame without a content size
	var maxWindow uint64
	for len(src) > 0 {
		if len(src) < 4 {
			return errZstd
		}
		magic := binary.LittleEndian.Uint32(src)
		if magic&0xFFFFFFF0 == 0x184D2A50 { // skippable frame
			if len(src) < 8 {
				return errZstd
			}
			n := uint64(binary.LittleEndian.Uint32(src[4:]))
			if n > uint64(len(src)-8) {
				return errZstd
			}
			src = src[8+n:]
			continue
		}
		f, err := readZstdFrameHeader(src)
		if err != nil {
			return err
		}
		if f.window > 1<<27 {
			return fmt.Errorf("zstd window of %d bytes", f.window)
		}
		maxWindow = max(maxWindow, f.window)
		if f.hasSize {
			total += f.size
			if f.size > uint64(declared) || total > uint64(declared) {
				return fmt.Errorf("it decompresses to more than the %d bytes its header declares", declared)
			}
		} else {
			unknown = true
		}
		n, err := zstdFrameLength(src, f)
		if err != nil {
			return err
		}
		src = src[n:]
	}
	if !unknown {
		if total != uint64(declared) {
			return fmt.Errorf("it decompresses to %d bytes, not the %d bytes its header declares", total, declared)
		}
		return nil
	}
	return zstdDecodedSize(all, declared, maxWindow)
}

// errZstd is the error for zstd data whose frames are malformed.
var errZstd = errors.New("corrupt zstd data")

// zstdFrameHeader is what checkZstd needs of a zstd frame header.
type zstdFrameHeader struct {
	length   int    // of the header, magic number included
	window   uint64 // the window size
	size     uint64 // the content size, if hasSize
	hasSize  bool
	checksum bool // the frame ends with a checksum
}

// readZstdFrameHeader reads the header of the zstd frame at the start of src.
func readZstdFrameHeader(src []byte) (zstdFrameHeader, error) {
	var f zstdFrameHeader
	if binary.LittleEndian.Uint32(src) != 0xFD2FB528 || len(src) < 5 {
		return f, errZstd
	}
	fhd := src[4]
	p := 5
	single := fhd&0x20 != 0
	if fhd&0x08 != 0 {
		return f, errZstd
	}
	if !single {
		if p >= len(src) {
			return f, errZstd
		}
		wd := src[p]
		p++
		base := uint64(1) << (10 + uint(wd>>3))
		f.window = base + base/8*uint64(wd&7)
	}
	p += [4]int{0, 1, 2, 4}[fhd&3]
	fcsSize := [4]int{0, 2, 4, 8}[fhd>>6]
	if fcsSize == 0 && single {
		fcsSize = 1
	}
	if p+fcsSize > len(src) {
		return f, errZstd
	}
	var fcs uint64
	for i := fcsSize - 1; i >= 0; i-- {
		fcs = fcs<<8 | uint64(src[p+i])
	}
	if fcsSize == 2 {
		fcs += 256
	}
	p += fcsSize
	if single {
		f.window = fcs
	}
	f.length, f.size, f.hasSize, f.checksum = p, fcs, fcsSize > 0, fhd&0x04 != 0
	return f, nil
}

// zstdFrameLength walks the blocks of the zstd frame at the start of src,
// whose header is f, and returns the frame's length.
func zstdFrameLength(src []byte, f zstdFrameHeader) (int, error) {
	p := f.length
	for {
		if p+3 > len(src) {
			return 0, errZstd
		}
		bh := uint32(src[p]) | uint32(src[p+1])<<8 | uint32(src[p+2])<<16
		p += 3
		size := int(bh >> 3)
		switch (bh >> 1) & 3 {
		case 0, 2: // raw, compressed
		case 1: // RLE: one byte
			size = 1
		default:
			return 0, errZstd
		}
		if size > len(src)-p {
			return 0, errZstd
		}
		p += size
		if bh&1 != 0 {
			break
		}
	}
	if f.checksum {
		p += 4
		if p > len(src) {
			return 0, errZstd
		}
	}
	return p, nil
}

// zstdDecodedSize decompresses zstd data, with at most declared bytes (or
// maxWindow, if larger) of memory for the output, and checks that it gives
// exactly declared bytes.
func zstdDecodedSize(all []byte, declared int64, maxWindow uint64) error {
	// The decoder refuses windows larger than its memory limit (1 KiB at
	// least, even for a few bytes): allow the largest window, at most 128 MiB.
	d, err := zstd.NewReader(nil, zstd.WithDecoderConcurrency(1), zstd.WithDecoderLowmem(true),
		zstd.WithDecoderMaxMemory(max(uint64(declared)+1, maxWindow)))
	if err != nil {
		return err
	}
	defer d.Close()
	out, err := d.DecodeAll(all, nil)
	if err != nil {
		return err
	}
	if int64(len(out)) != declared {
		return fmt.Errorf("it decompresses to %d bytes, not the %d bytes its header declares", len(out), declared)
	}
	return nil
}
