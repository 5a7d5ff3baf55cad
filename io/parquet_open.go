package tableio

// Opening a Parquet file: the magic numbers, the footer (walked by
// pageguard.ThriftCheck before parquet-go decodes it, then validated by
// validateParquetMeta), and the leaves of the schema (buildLeaves).

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"slices"
	"sync/atomic"

	"github.com/fairflip/fairflip/io/internal/pageguard"
	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/encoding/thrift"
	"github.com/parquet-go/parquet-go/format"
)

// OpenParquet opens a Parquet file. name is used in error messages. It never
// panics: the footer is validated before parquet-go decodes it, and a panic
// inside parquet-go is turned into an error naming the file.
func OpenParquet(r io.ReaderAt, size int64, name string) (*ParquetFile, error) {
	return OpenParquetLimits(r, size, name, ParquetLimits{})
}

// OpenParquetLimits is OpenParquet with limits other than the defaults.
func OpenParquetLimits(r io.ReaderAt, size int64, name string, lim ParquetLimits) (pf *ParquetFile, err error) {
	return openParquetSeams(r, size, name, lim, parquetSeams{})
}

// openParquetSeams is OpenParquetLimits with the tests' seams s.
func openParquetSeams(r io.ReaderAt, size int64, name string, lim ParquetLimits, s parquetSeams) (pf *ParquetFile, err error) {
	defer func() {
		if !s.recover() {
			return
		}
		if rec := recover(); rec != nil {
			pf = nil
			recoverParquet(rec, name, "", -1, &err)
		}
	}()
	maxFooter := lim.MaxFooterBytes
	if maxFooter <= 0 {
		maxFooter = DefaultParquetMaxFooterBytes
	}
	rr := &ioReader{r: r}
	pf, err = openParquet(rr, size, name, maxFooter)
	if err != nil && rr.failed() {
		err = withKind(ErrIO, err)
	}
	if pf != nil {
		pf.io = rr
		pf.seams = s
		pf.maxPageBytes = lim.MaxPageBytes
		if pf.maxPageBytes <= 0 {
			pf.maxPageBytes = DefaultParquetMaxPageBytes
		}
	}
	return pf, err
}

// ioReader reads a file, marking its read errors ErrIO and remembering
// that one happened: parquet-go may word a read error into a message of
// its own, dropping the error, and a read that failed must not pass for
// a corrupt file.
type ioReader struct {
	r   io.ReaderAt
	bad atomic.Bool
}

func (x *ioReader) ReadAt(b []byte, off int64) (int, error) {
	n, err := x.r.ReadAt(b, off)
	if err != nil && err != io.EOF {
		x.bad.Store(true)
		err = withKind(ErrIO, err)
	}
	return n, err
}

// failed reports whether a read failed.
func (x *ioReader) failed() bool { return x.bad.Load() }

// readErrorKind is kindOf for an error of reading p: ErrIO if a read of
// the file failed, whatever the error says.
func (p *ParquetFile) readErrorKind(err error) error {
	var ce callerError
	if err != nil && !errors.As(err, &ce) && p.io != nil && p.io.failed() && !errors.Is(err, ErrIO) {
		return withKind(ErrIO, err)
	}
	return kindOf(err, ErrMalformed)
}

// readFullAt reads len(b) bytes at off.
func readFullAt(r io.ReaderAt, b []byte, off int64) error {
	n, err := r.ReadAt(b, off)
	if n == len(b) {
		return nil
	}
	if err == nil || err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return err
}

// openParquet opens a file whose footer is at most maxFooter bytes: the
// footer is read (readFooter), walked, decoded and validated (checkFooter)
// before parquet-go opens the file.
func openParquet(r io.ReaderAt, size int64, name string, maxFooter int64) (*ParquetFile, error) {
	footer, dataEnd, err := readFooter(r, size, name, maxFooter)
	if err != nil {
		return nil, err
	}
	if err := checkFooter(footer, name, maxFooter, dataEnd); err != nil {
		return nil, err
	}
	f, err := parquet.OpenFile(r, size, parquet.SkipPageIndex(true), parquet.SkipBloomFilters(true))
	if err != nil {
		return nil, fmt.Errorf("%s: invalid Parquet file (%v)", name, err)
	}
	p := &ParquetFile{
		name:    name,
		r:       r,
		size:    size,
		dataEnd: dataEnd,
		f:       f,
		meta:    f.Metadata(),
		kv:      map[string]string{},
		elemOf:  map[*parquet.Column]int{},
		checks:  map[[2]int]*parquetChunkCheck{},
	}
	if err := p.buildLeaves(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	for _, rg := range p.meta.RowGroups {
		p.rgStarts = append(p.rgStarts, p.numRows)
		p.rgSizes = append(p.rgSizes, rg.NumRows)
		p.numRows += rg.NumRows
	}
	for _, kv := range p.meta.KeyValueMetadata {
		p.kv[kv.Key] = kv.Value
	}
	return p, nil
}

// readFooter checks the magic numbers at both ends of the file and reads its
// footer, which must fit in the file and in maxFooter bytes; it returns the
// footer and its offset (where the data ends).
func readFooter(r io.ReaderAt, size int64, name string, maxFooter int64) ([]byte, int64, error) {
	if size < 4 {
		return nil, 0, fmt.Errorf("%s: not a Parquet file (no PAR1 magic at the start)", name)
	}
	var head [4]byte
	if err := readFullAt(r, head[:], 0); err != nil {
		return nil, 0, fmt.Errorf("%s: reading: %w", name, err)
	}
	switch string(head[:]) {
	case "PAR1":
	case "PARE":
		return nil, 0, fmt.Errorf("%s: encrypted Parquet files are not supported", name)
	default:
		return nil, 0, fmt.Errorf("%s: not a Parquet file (no PAR1 magic at the start)", name)
	}
	if size < 12 {
		return nil, 0, fmt.Errorf("%s: truncated Parquet file (%d bytes: too short for a footer)", name, size)
	}
	var tail [8]byte
	if err := readFullAt(r, tail[:], size-8); err != nil {
		return nil, 0, fmt.Errorf("%s: reading: %w", name, err)
	}
	switch string(tail[4:]) {
	case "PAR1":
	case "PARE":
		return nil, 0, fmt.Errorf("%s: encrypted Parquet files are not supported", name)
	default:
		return nil, 0, fmt.Errorf("%s: truncated or corrupt Parquet file (no PAR1 magic at the end)", name)
	}
	footerLen := int64(binary.LittleEndian.Uint32(tail[:4]))
	if footerLen == 0 || footerLen > size-12 {
		return nil, 0, fmt.Errorf("%s: truncated or corrupt Parquet file (footer length %d does not fit in a %d-byte file)", name, footerLen, size)
	}
	if footerLen > maxFooter {
		return nil, 0, fmt.Errorf("%s: corrupt Parquet footer (it claims %d bytes, more than the limit of %d, --max-footer-bytes)", name, footerLen, maxFooter)
	}
	dataEnd := size - 8 - footerLen
	footer := make([]byte, footerLen)
	if err := readFullAt(r, footer, dataEnd); err != nil {
		return nil, 0, fmt.Errorf("%s: reading the footer: %w", name, err)
	}
	return footer, dataEnd, nil
}

// checkFooter walks the footer (pageguard.ThriftCheckStructs), decodes it and
// validates it (validateParquetMeta) against the data's end, before parquet-go
// decodes it.
func checkFooter(footer []byte, name string, maxFooter, dataEnd int64) error {
	// At most one struct per 32 footer bytes that the limit allows: 524,288
	// for the default 16 MiB (a real footer has a few per column chunk).
	n, err := pageguard.ThriftCheckStructs(footer, int(maxFooter/32))
	if errors.Is(err, pageguard.ErrThriftStructs) {
		return fmt.Errorf("%s: corrupt Parquet footer (more than %d entries, the limit for --max-footer-bytes %d)", name, maxFooter/32, maxFooter)
	}
	if err != nil {
		return fmt.Errorf("%s: corrupt Parquet footer (%v)", name, err)
	}
	if n != len(footer) {
		return fmt.Errorf("%s: corrupt Parquet footer (%d unexpected bytes after the metadata; signed footers are not supported)", name, len(footer)-n)
	}
	var md format.FileMetaData
	if err := thrift.Unmarshal(&thrift.CompactProtocol{}, footer, &md); err != nil {
		return fmt.Errorf("%s: corrupt Parquet footer (%v)", name, err)
	}
	if err := validateParquetMeta(&md, dataEnd); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}

// NumRows returns the number of rows of the file.
func (p *ParquetFile) NumRows() int64 { return p.numRows }

// RowGroupSizes returns the number of rows of each row group, in order.
func (p *ParquetFile) RowGroupSizes() []int64 { return slices.Clone(p.rgSizes) }

// KeyValueMetadata returns a copy of the file's key/value metadata. A key
// that appears more than once keeps its last value.
func (p *ParquetFile) KeyValueMetadata() map[string]string {
	m := make(map[string]string, len(p.kv))
	for k, v := range p.kv {
		m[k] = v
	}
	return m
}

// Columns returns the leaf columns, in file order.
func (p *ParquetFile) Columns() []ParquetColumn { return slices.Clone(p.cols) }
