package tableio

// Parquet support: read the few columns a caller needs as text cells (pass 1),
// then rewrite the file with some cells changed, an audit column appended or a
// column dropped (pass 2), keeping everything else: the columns, their order,
// physical and logical types, repetition, field ids, the codec of each column,
// dictionary encoding, the row group sizes and the key/value metadata.
//
// The reading and writing are done by github.com/parquet-go/parquet-go. That
// library trusts the sizes written in a file: a corrupt footer or page header
// can make it allocate gigabytes, loop, or panic. So before parquet-go sees any
// part of a file, this file validates it: the footer and every page header are
// walked without allocating (thriftCheck), the metadata is checked for
// consistency (offsets inside the file, supported codecs and encodings, types
// that agree with the schema), and the compressed bytes of every page are
// checked against the size the page header declares. Every exported function
// also recovers from a panic inside parquet-go and turns it into an error that
// names the file (and the column and row group where known), as a last line of
// defence.

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"unicode"

	"github.com/andybalholm/brotli"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress"
	"github.com/parquet-go/parquet-go/deprecated"
	"github.com/parquet-go/parquet-go/encoding"
	"github.com/parquet-go/parquet-go/encoding/thrift"
	"github.com/parquet-go/parquet-go/format"
	"github.com/pierrec/lz4/v4"
)

// DefaultParquetMaxPageBytes is the default bound on the compressed and
// uncompressed size that one page header may declare (ParquetLimits).
//
// parquet-go allocates the uncompressed size a page header declares before it
// decompresses the page (1.25 to 2.5 times that size, counting its buffers), so
// this bound is also the memory that one lying page header can cost; the
// checks of checkCompressedPage refuse most lies before that (see there). Real
// writers cut data pages at about 1 MiB (parquet-mr, Arrow, DuckDB, Polars) and
// dictionary pages at 1 MiB (parquet-mr, Arrow) or a few MiB; the pages that
// get larger are those holding one large value (a page holds at least one
// value), so 128 MiB leaves room for cells of up to 128 MiB while a corrupt
// header costs at most a few hundred MiB instead of several GiB.
const DefaultParquetMaxPageBytes = 128 << 20

// ParquetLimits bounds what a Parquet file may make fairflip allocate. The zero
// value means the defaults.
type ParquetLimits struct {
	// MaxPageBytes bounds the compressed and the uncompressed size of one
	// page (as its header declares them); a page larger than this is refused
	// with an error. 0 (or less) means DefaultParquetMaxPageBytes. Page sizes
	// are 32-bit in the format, so values above 2^31-1 allow every page.
	MaxPageBytes int64
	// MaxFooterBytes bounds the footer (the file's metadata), which is read
	// whole into memory and decoded; a longer footer is refused with an
	// error. 0 (or less) means DefaultParquetMaxFooterBytes.
	MaxFooterBytes int64
}

// DefaultParquetMaxFooterBytes is the default bound on a Parquet footer.
// Real footers take kilobytes to a few megabytes (about 100 bytes per
// column chunk); decoding one takes up to about 100 times its size in memory.
const DefaultParquetMaxFooterBytes = 16 << 20

// Limits that protect against corrupt files, used when ParquetLimits leaves
// them at 0. A page larger than these is refused: no real writer produces one,
// and parquet-go allocates buffers of the declared sizes before it reads a
// page. Tests lower them.
var (
	// parquetMaxPageBytes bounds the compressed and uncompressed size of one page.
	parquetMaxPageBytes int64 = DefaultParquetMaxPageBytes
	// parquetMaxPageValues bounds the number of values (nulls included) of one page.
	parquetMaxPageValues int64 = 1 << 27
)

// parquetRecoverPanics turns panics inside parquet-go into errors. The fuzz
// test turns it off to find them.
var parquetRecoverPanics = true

// parquetBatchRows is the number of rows read and written at a time.
const parquetBatchRows = 1024

// Key/value metadata keys.
const (
	parquetStashPrefix = "fairflip.original."
	parquetArrowKey    = "ARROW:schema"
	parquetPandasKey   = "pandas"
)

// IsParquetMagic reports whether head starts with the Parquet magic "PAR1".
func IsParquetMagic(head []byte) bool { return bytes.HasPrefix(head, []byte("PAR1")) }

// ParquetFile is an open Parquet file.
type ParquetFile struct {
	name    string
	r       io.ReaderAt
	size    int64
	dataEnd int64 // offset of the footer: column chunks end before it
	f       *parquet.File
	meta    *format.FileMetaData

	cols     []ParquetColumn
	leaves   []*parquetLeaf
	rgSizes  []int64
	rgStarts []int64
	numRows  int64
	kv       map[string]string
	elemOf   map[*parquet.Column]int // schema element index of every column

	maxPageBytes int64 // ParquetLimits.MaxPageBytes, resolved

	mu     sync.Mutex
	checks map[[2]int]*parquetChunkCheck // (row group, leaf) → result of checkChunk

	// pageHook, when set (by tests only), sees every page parquet-go
	// decodes before its values are used: a stand-in for a decoder bug.
	pageHook func(g, col int, page parquet.Page)

	// reads holds, after a RewriteParquet, the digest of the values that
	// parquet-go read from each chunk (by row group and leaf), for
	// VerifyParquetRewrite to compare with its own reading.
	reads [][]valueDigest
}

// ParquetColumn describes a leaf column.
type ParquetColumn struct {
	Name     string // the dotted path ("a.b.c"); for a top-level column just its name
	Index    int    // leaf column index (0-based, file order)
	Flat     bool   // a top-level, non-repeated leaf (only these can be read as table cells; nested/repeated ones are carried through untouched)
	Type     string // human description for messages, e.g. "INT32 (DATE)", "BYTE_ARRAY (STRING)", "BOOLEAN"
	Optional bool

	leaf *parquetLeaf
}

// convKind says how a leaf's values are turned into text and back.
type convKind uint8

const (
	convBool    convKind = iota
	convInt              // signed integer (INT32/INT64, DATE, TIME, TIMESTAMP, INT(n, signed))
	convUint             // unsigned integer (INT(n, unsigned))
	convInt96            // legacy INT96 timestamp: nanoseconds since the Unix epoch
	convFloat            // FLOAT
	convDouble           // DOUBLE
	convText             // STRING, ENUM, JSON: the bytes as they are
	convBinary           // other binary: the bytes if valid UTF-8 (and not starting with "0x"), else 0x + hex
	convDecimal          // DECIMAL on any physical type
	convNull             // UNKNOWN (always null)
)

// parquetLeaf is what this file knows about a leaf column.
type parquetLeaf struct {
	index   int
	name    string
	col     *parquet.Column
	elem    *format.SchemaElement
	kind    parquet.Kind
	typeLen int // FIXED_LEN_BYTE_ARRAY length
	maxDef  int
	maxRep  int
	flat    bool
	top     int // index of its top-level field
	desc    string
	shape   string // for non-flat leaves: why (repeated, in a group...)
	unknown bool   // its logical type is one parquet-go does not know (statistics are then not written)

	conv      convKind
	bits      int // convInt/convUint: bit width of the logical type
	scale     int // convDecimal
	precision int // convDecimal
}

func (l *parquetLeaf) column() ParquetColumn {
	return ParquetColumn{Name: l.name, Index: l.index, Flat: l.flat, Type: l.desc, Optional: l.col.Optional(), leaf: l}
}

// parquetError builds an error naming the file, and the column and row group
// when they are known (col, rg < 0: unknown).
func (p *ParquetFile) errorf(col, rg int, format string, args ...any) error {
	return parquetErrorf(p.name, p.leafName(col), rg, format, args...)
}

func (p *ParquetFile) leafName(col int) string {
	if col >= 0 && col < len(p.leaves) {
		return p.leaves[col].name
	}
	return ""
}

func parquetErrorf(name, column string, rg int, format string, args ...any) error {
	var b strings.Builder
	b.WriteString(name)
	b.WriteString(": ")
	if column != "" {
		fmt.Fprintf(&b, "column %s: ", column)
	}
	if rg >= 0 {
		fmt.Fprintf(&b, "row group %d: ", rg)
	}
	return fmt.Errorf("%s%w", b.String(), fmt.Errorf(format, args...))
}

// recoverParquet turns a panic into an error naming the file, the column and
// the row group (when known). It must be called directly by a deferred
// function literal.
func recoverParquet(r any, name, column string, rg int, err *error) {
	if r == nil {
		return
	}
	var where strings.Builder
	if column != "" {
		fmt.Fprintf(&where, ", column %s", column)
	}
	if rg >= 0 {
		fmt.Fprintf(&where, ", row group %d", rg)
	}
	*err = fmt.Errorf("%s: invalid Parquet file (%v)%s", name, r, where.String())
}

// OpenParquet opens a Parquet file. name is used in error messages. It never
// panics: the footer is validated before parquet-go decodes it, and a panic
// inside parquet-go is turned into an error naming the file.
func OpenParquet(r io.ReaderAt, size int64, name string) (*ParquetFile, error) {
	return OpenParquetLimits(r, size, name, ParquetLimits{})
}

// OpenParquetLimits is OpenParquet with limits other than the defaults.
func OpenParquetLimits(r io.ReaderAt, size int64, name string, lim ParquetLimits) (pf *ParquetFile, err error) {
	defer func() {
		if !parquetRecoverPanics {
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
	pf, err = openParquet(r, size, name, maxFooter)
	if pf != nil {
		pf.maxPageBytes = lim.MaxPageBytes
		if pf.maxPageBytes <= 0 {
			pf.maxPageBytes = parquetMaxPageBytes
		}
	}
	return pf, err
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

func openParquet(r io.ReaderAt, size int64, name string, maxFooter int64) (*ParquetFile, error) {
	if size < 4 {
		return nil, fmt.Errorf("%s: not a Parquet file (no PAR1 magic at the start)", name)
	}
	var head [4]byte
	if err := readFullAt(r, head[:], 0); err != nil {
		return nil, fmt.Errorf("%s: reading: %w", name, err)
	}
	switch string(head[:]) {
	case "PAR1":
	case "PARE":
		return nil, fmt.Errorf("%s: encrypted Parquet files are not supported", name)
	default:
		return nil, fmt.Errorf("%s: not a Parquet file (no PAR1 magic at the start)", name)
	}
	if size < 12 {
		return nil, fmt.Errorf("%s: truncated Parquet file (%d bytes: too short for a footer)", name, size)
	}
	var tail [8]byte
	if err := readFullAt(r, tail[:], size-8); err != nil {
		return nil, fmt.Errorf("%s: reading: %w", name, err)
	}
	switch string(tail[4:]) {
	case "PAR1":
	case "PARE":
		return nil, fmt.Errorf("%s: encrypted Parquet files are not supported", name)
	default:
		return nil, fmt.Errorf("%s: truncated or corrupt Parquet file (no PAR1 magic at the end)", name)
	}
	footerLen := int64(binary.LittleEndian.Uint32(tail[:4]))
	if footerLen == 0 || footerLen > size-12 {
		return nil, fmt.Errorf("%s: truncated or corrupt Parquet file (footer length %d does not fit in a %d-byte file)", name, footerLen, size)
	}
	if footerLen > maxFooter {
		return nil, fmt.Errorf("%s: corrupt Parquet footer (it claims %d bytes, more than the limit of %d, --max-footer-bytes)", name, footerLen, maxFooter)
	}
	dataEnd := size - 8 - footerLen
	footer := make([]byte, footerLen)
	if err := readFullAt(r, footer, dataEnd); err != nil {
		return nil, fmt.Errorf("%s: reading the footer: %w", name, err)
	}
	// At most one struct per 32 footer bytes that the limit allows: 524,288
	// for the default 16 MiB (a real footer has a few per column chunk).
	n, err := thriftCheckStructs(footer, int(maxFooter/32))
	if errors.Is(err, errThriftStructs) {
		return nil, fmt.Errorf("%s: corrupt Parquet footer (more than %d entries, the limit for --max-footer-bytes %d)", name, maxFooter/32, maxFooter)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: corrupt Parquet footer (%v)", name, err)
	}
	if n != len(footer) {
		return nil, fmt.Errorf("%s: corrupt Parquet footer (%d unexpected bytes after the metadata; signed footers are not supported)", name, len(footer)-n)
	}
	var md format.FileMetaData
	if err := thrift.Unmarshal(&thrift.CompactProtocol{}, footer, &md); err != nil {
		return nil, fmt.Errorf("%s: corrupt Parquet footer (%v)", name, err)
	}
	if err := validateParquetMeta(&md, dataEnd); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
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

// validateParquetMeta checks the file metadata before parquet-go uses it:
// the schema tree, the types, and that every column chunk lies inside the file
// and uses a codec parquet-go can read.
func validateParquetMeta(md *format.FileMetaData, dataEnd int64) error {
	if md.EncryptionAlgorithm.Value != nil || len(md.FooterSigningKeyMetadata) > 0 {
		return errors.New("encrypted Parquet files are not supported")
	}
	if len(md.Schema) == 0 {
		return errors.New("invalid Parquet file (the schema is empty)")
	}
	if md.Schema[0].Type.Valid {
		return errors.New("invalid Parquet file (the schema root is not a group)")
	}
	if !md.Schema[0].NumChildren.Valid || md.Schema[0].NumChildren.V <= 0 {
		return errors.New("invalid Parquet file (the schema has no columns)")
	}
	var leafTypes []format.Type
	var leafNames []string
	next := 0
	var walk func(path []string, depth int) error
	walk = func(path []string, depth int) error {
		if next >= len(md.Schema) {
			return errors.New("invalid Parquet file (the schema tree is truncated)")
		}
		if depth > 64 {
			return errors.New("invalid Parquet file (the schema is nested more than 64 levels deep)")
		}
		e := &md.Schema[next]
		next++
		if depth > 0 {
			path = append(path, e.Name)
			if e.RepetitionType.Valid && (e.RepetitionType.V < format.Required || e.RepetitionType.V > format.Repeated) {
				return fmt.Errorf("invalid Parquet file (column %s has an invalid repetition)", strings.Join(path, "."))
			}
		}
		name := strings.Join(path, ".")
		if e.Type.Valid {
			if depth == 0 {
				return errors.New("invalid Parquet file (the schema root is a leaf)")
			}
			if e.NumChildren.Valid && e.NumChildren.V != 0 {
				return fmt.Errorf("invalid Parquet file (leaf column %s has children)", name)
			}
			t := e.Type.V
			if t < format.Boolean || t > format.FixedLenByteArray {
				return fmt.Errorf("unsupported Parquet file (column %s has an unknown physical type %d)", name, int(t))
			}
			if t == format.FixedLenByteArray && (!e.TypeLength.Valid || e.TypeLength.V <= 0 || e.TypeLength.V > 1<<24) {
				return fmt.Errorf("invalid Parquet file (column %s is FIXED_LEN_BYTE_ARRAY without a valid length)", name)
			}
			if err := checkLeafLogicalType(e, name); err != nil {
				return err
			}
			if e.ConvertedType.Valid {
				switch e.ConvertedType.V {
				case deprecated.Map, deprecated.MapKeyValue, deprecated.List:
					return fmt.Errorf("invalid Parquet file (leaf column %s has the group type %s)", name, convertedTypeName(e.ConvertedType.V))
				}
			}
			isDecimal := false
			if d, ok := e.LogicalType.Value.(*format.DecimalType); ok {
				isDecimal = true
				if d.Precision <= 0 || d.Scale < 0 || d.Scale > d.Precision {
					return fmt.Errorf("invalid Parquet file (column %s is DECIMAL(%d,%d))", name, d.Precision, d.Scale)
				}
			}
			if e.ConvertedType.Valid && e.ConvertedType.V == deprecated.Decimal {
				isDecimal = true
				if e.Scale.Valid && e.Precision.Valid && (e.Precision.V <= 0 || e.Scale.V < 0 || e.Scale.V > e.Precision.V) {
					return fmt.Errorf("invalid Parquet file (column %s is DECIMAL(%d,%d))", name, e.Precision.V, e.Scale.V)
				}
			}
			if isDecimal && t != format.Int32 && t != format.Int64 && t != format.ByteArray && t != format.FixedLenByteArray {
				return fmt.Errorf("invalid Parquet file (column %s is a DECIMAL stored as %s)", name, t)
			}
			leafTypes = append(leafTypes, t)
			leafNames = append(leafNames, name)
			return nil
		}
		if !e.NumChildren.Valid || e.NumChildren.V <= 0 {
			if depth == 0 {
				return errors.New("invalid Parquet file (the schema has no columns)")
			}
			return fmt.Errorf("unsupported Parquet file (group %s has no columns)", name)
		}
		if int(e.NumChildren.V) > len(md.Schema)-next {
			return fmt.Errorf("invalid Parquet file (group %q claims %d children, more than the schema holds)", name, e.NumChildren.V)
		}
		for range e.NumChildren.V {
			if err := walk(path, depth+1); err != nil {
				return err
			}
		}
		return nil
	}
	if err := walk(nil, 0); err != nil {
		return err
	}
	if next != len(md.Schema) {
		return fmt.Errorf("invalid Parquet file (%d schema elements do not belong to the schema tree)", len(md.Schema)-next)
	}
	if len(leafTypes) > parquet.MaxColumnIndex {
		return fmt.Errorf("unsupported Parquet file (%d columns, more than %d)", len(leafTypes), parquet.MaxColumnIndex)
	}
	var total int64
	for g := range md.RowGroups {
		rg := &md.RowGroups[g]
		if rg.NumRows < 0 {
			return fmt.Errorf("row group %d: invalid Parquet file (%d rows)", g, rg.NumRows)
		}
		if total > math.MaxInt64-rg.NumRows {
			return fmt.Errorf("row group %d: invalid Parquet file (too many rows)", g)
		}
		total += rg.NumRows
		if len(rg.Columns) != len(leafTypes) {
			return fmt.Errorf("row group %d: invalid Parquet file (%d column chunks for %d columns)", g, len(rg.Columns), len(leafTypes))
		}
		for c := range rg.Columns {
			cc := &rg.Columns[c]
			m := &cc.MetaData
			where := fmt.Sprintf("column %s: row group %d", leafNames[c], g)
			if cc.FilePath != "" {
				return fmt.Errorf("%s: unsupported Parquet file (the data is in another file, %q)", where, cc.FilePath)
			}
			if cc.CryptoMetadata.Value != nil || len(cc.EncryptedColumnMetadata) > 0 {
				return fmt.Errorf("%s: encrypted Parquet columns are not supported", where)
			}
			if m.Type != leafTypes[c] {
				return fmt.Errorf("%s: invalid Parquet file (the chunk holds %s values, the schema says %s)", where, m.Type, leafTypes[c])
			}
			switch m.Codec {
			case format.Uncompressed, format.Snappy, format.Gzip, format.Brotli, format.Zstd, format.Lz4Raw:
			default:
				return fmt.Errorf("%s: unsupported compression codec %s", where, m.Codec)
			}
			if m.NumValues < 0 {
				return fmt.Errorf("%s: invalid Parquet file (%d values)", where, m.NumValues)
			}
			start := m.DataPageOffset
			if m.DictionaryPageOffset != 0 {
				if m.DictionaryPageOffset < 4 || m.DictionaryPageOffset > m.DataPageOffset {
					return fmt.Errorf("%s: corrupt Parquet metadata (dictionary page offset %d)", where, m.DictionaryPageOffset)
				}
				start = m.DictionaryPageOffset
			}
			if m.DataPageOffset < 4 || m.DataPageOffset >= dataEnd {
				return fmt.Errorf("%s: corrupt Parquet metadata (data page offset %d outside the file's %d data bytes)", where, m.DataPageOffset, dataEnd)
			}
			if m.TotalCompressedSize <= 0 || m.TotalCompressedSize > dataEnd-start {
				return fmt.Errorf("%s: truncated or corrupt Parquet file (the column chunk of %d bytes at offset %d does not fit before the footer at %d)", where, m.TotalCompressedSize, start, dataEnd)
			}
		}
	}
	if md.NumRows != total {
		return fmt.Errorf("invalid Parquet file (the footer says %d rows, the row groups hold %d)", md.NumRows, total)
	}
	return nil
}

// checkLeafLogicalType checks that a leaf's logical type annotation is one
// its physical type can carry, with valid parameters (parquet-go trusts them).
func checkLeafLogicalType(e *format.SchemaElement, name string) error {
	t := e.Type.V
	bad := func() error {
		return fmt.Errorf("invalid Parquet file (column %s: %s on %s)", name, e.LogicalType.Value, t)
	}
	switch lt := e.LogicalType.Value.(type) {
	case *format.MapType, *format.ListType, *format.VariantType:
		return fmt.Errorf("invalid Parquet file (leaf column %s has the group type %s)", name, e.LogicalType.Value)
	case *format.IntType:
		switch {
		case lt.BitWidth == 64 && t == format.Int64:
		case (lt.BitWidth == 8 || lt.BitWidth == 16 || lt.BitWidth == 32) && t == format.Int32:
		default:
			return bad()
		}
	case *format.TimestampType:
		if lt.Unit.Value == nil || t != format.Int64 {
			return bad()
		}
	case *format.TimeType:
		switch lt.Unit.Value.(type) {
		case *format.MilliSeconds:
			if t != format.Int32 {
				return bad()
			}
		case *format.MicroSeconds, *format.NanoSeconds:
			if t != format.Int64 {
				return bad()
			}
		default:
			return bad()
		}
	case *format.DateType:
		if t != format.Int32 {
			return bad()
		}
	case *format.StringType, *format.EnumType, *format.JsonType, *format.BsonType, *format.GeometryType, *format.GeographyType:
		if t != format.ByteArray {
			return bad()
		}
	case *format.UUIDType:
		if t != format.FixedLenByteArray || e.TypeLength.V != 16 {
			return bad()
		}
	case *format.Float16Type:
		if t != format.FixedLenByteArray || e.TypeLength.V != 2 {
			return bad()
		}
	}
	return nil
}

// buildLeaves walks parquet-go's column tree beside the schema elements and
// records what the rest of this file needs about every leaf.
func (p *ParquetFile) buildLeaves() error {
	root := p.f.Root()
	k := 0
	var walk func(c *parquet.Column, top int, path []string, shape string) error
	walk = func(c *parquet.Column, top int, path []string, shape string) error {
		if k >= len(p.meta.Schema) {
			return errors.New("invalid Parquet file (schema mismatch)")
		}
		p.elemOf[c] = k
		elem := &p.meta.Schema[k]
		k++
		depth := len(path)
		if depth > 0 {
			if c.Repeated() && shape == "" {
				if c.Leaf() {
					shape = "repeated"
				} else {
					shape = "in repeated group " + strings.Join(path[:1], ".")
				}
			}
		}
		if c.Leaf() {
			l, err := newParquetLeaf(c, elem, len(p.leaves), strings.Join(path, "."))
			if err != nil {
				return err
			}
			l.top = top
			l.flat = depth == 1 && !c.Repeated()
			if !l.flat {
				if shape == "" {
					shape = "in group " + path[0]
				}
				l.shape = shape
			}
			if c.Index() != l.index {
				return errors.New("invalid Parquet file (column index mismatch)")
			}
			p.leaves = append(p.leaves, l)
			p.cols = append(p.cols, l.column())
			return nil
		}
		if depth > 0 && shape == "" {
			switch elem.LogicalType.Value.(type) {
			case *format.ListType:
				shape = "in LIST " + path[0]
			case *format.MapType:
				shape = "in MAP " + path[0]
			}
		}
		for i, child := range c.Columns() {
			t := top
			if depth == 0 {
				t = i
			}
			if err := walk(child, t, append(slices.Clip(path), child.Name()), shape); err != nil {
				return err
			}
		}
		return nil
	}
	if err := walk(root, -1, nil, ""); err != nil {
		return err
	}
	if k != len(p.meta.Schema) {
		return errors.New("invalid Parquet file (schema mismatch)")
	}
	return nil
}

func newParquetLeaf(c *parquet.Column, elem *format.SchemaElement, index int, name string) (*parquetLeaf, error) {
	phys := elem.Type.V
	l := &parquetLeaf{
		index:  index,
		name:   name,
		col:    c,
		elem:   elem,
		kind:   parquet.Kind(phys),
		maxDef: c.MaxDefinitionLevel(),
		maxRep: c.MaxRepetitionLevel(),
	}
	if phys == format.FixedLenByteArray {
		l.typeLen = int(elem.TypeLength.V)
	}
	typ := c.Type()
	lt := leafLogicalType(elem, typ)
	l.desc = describeParquetType(phys, l.typeLen, lt, elem)
	if _, isNull := lt.(*format.NullType); isNull {
		if phys != format.Int32 {
			return nil, fmt.Errorf("unsupported Parquet file (column %s is %s)", name, l.desc)
		}
		l.conv = convNull
		return l, nil
	}
	if kind, ok := safeKind(typ); !ok || kind != l.kind || (phys == format.FixedLenByteArray && typ.Length() != l.typeLen) {
		return nil, fmt.Errorf("unsupported Parquet file (column %s is %s, a combination parquet-go cannot read)", name, l.desc)
	}
	if elem.LogicalType.Value != nil {
		if d := typ.LogicalType(); d == nil || d.Value == nil {
			l.unknown = true
		}
	}

	switch phys {
	case format.Boolean:
		l.conv = convBool
	case format.Int32, format.Int64:
		l.conv, l.bits = convInt, 32
		if phys == format.Int64 {
			l.bits = 64
		}
	case format.Int96:
		l.conv = convInt96
	case format.Float:
		l.conv = convFloat
	case format.Double:
		l.conv = convDouble
	default:
		l.conv = convBinary
	}
	switch t := lt.(type) {
	case *format.IntType:
		if phys == format.Int32 || phys == format.Int64 {
			switch t.BitWidth {
			case 8, 16, 32, 64:
				l.bits = int(t.BitWidth)
			}
			if !t.IsSigned {
				l.conv = convUint
			}
		}
	case *format.DecimalType:
		l.conv, l.scale, l.precision = convDecimal, int(t.Scale), int(t.Precision)
	case *format.StringType, *format.EnumType, *format.JsonType:
		if phys == format.ByteArray || phys == format.FixedLenByteArray {
			l.conv = convText
		}
	}
	if lt == nil && elem.ConvertedType.Valid {
		switch elem.ConvertedType.V {
		case deprecated.Decimal:
			if elem.Scale.Valid && elem.Precision.Valid {
				l.conv, l.scale, l.precision = convDecimal, int(elem.Scale.V), int(elem.Precision.V)
			}
		case deprecated.UTF8, deprecated.Enum, deprecated.Json:
			if phys == format.ByteArray {
				l.conv = convText
			}
		}
	}
	return l, nil
}

// safeKind is the kind of a type, if it has one (group types panic).
func safeKind(t parquet.Type) (k parquet.Kind, ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	return t.Kind(), true
}

// describeParquetType is the human description of a leaf type: the physical
// type, then its annotation in parentheses.
func describeParquetType(phys format.Type, typeLen int, lt format.LogicalTypeValue, elem *format.SchemaElement) string {
	s := phys.String()
	if phys == format.FixedLenByteArray {
		s = fmt.Sprintf("FIXED_LEN_BYTE_ARRAY(%d)", typeLen)
	}
	ann := ""
	switch t := lt.(type) {
	case nil:
		if elem.ConvertedType.Valid {
			ann = convertedTypeName(elem.ConvertedType.V)
			if elem.ConvertedType.V == deprecated.Decimal && elem.Scale.Valid && elem.Precision.Valid {
				ann = fmt.Sprintf("DECIMAL(%d,%d)", elem.Precision.V, elem.Scale.V)
			}
		}
	case *format.DecimalType:
		ann = fmt.Sprintf("DECIMAL(%d,%d)", t.Precision, t.Scale)
	case *format.IntType:
		if t.IsSigned {
			// INT(32, signed) on INT32 and INT(64, signed) on INT64 say nothing more.
			if !(phys == format.Int32 && t.BitWidth == 32 || phys == format.Int64 && t.BitWidth == 64) {
				ann = fmt.Sprintf("INT%d", t.BitWidth)
			}
		} else {
			ann = fmt.Sprintf("UINT%d", t.BitWidth)
		}
	case *format.TimestampType:
		ann = fmt.Sprintf("TIMESTAMP(%s, %s)", timeUnitName(t.Unit), utcName(t.IsAdjustedToUTC))
	case *format.TimeType:
		ann = fmt.Sprintf("TIME(%s, %s)", timeUnitName(t.Unit), utcName(t.IsAdjustedToUTC))
	case *format.NullType:
		ann = "NULL"
	default:
		ann = t.String()
	}
	if ann != "" {
		s += " (" + ann + ")"
	}
	return s
}

var convertedTypeNames = [...]string{
	"UTF8", "MAP", "MAP_KEY_VALUE", "LIST", "ENUM", "DECIMAL", "DATE", "TIME_MILLIS", "TIME_MICROS",
	"TIMESTAMP_MILLIS", "TIMESTAMP_MICROS", "UINT_8", "UINT_16", "UINT_32", "UINT_64",
	"INT_8", "INT_16", "INT_32", "INT_64", "JSON", "BSON", "INTERVAL",
}

func convertedTypeName(t deprecated.ConvertedType) string {
	if t >= 0 && int(t) < len(convertedTypeNames) {
		return convertedTypeNames[t]
	}
	return fmt.Sprintf("CONVERTED_TYPE(%d)", int(t))
}

func timeUnitName(u format.TimeUnit) string {
	if u.Value == nil {
		return "?"
	}
	return u.Value.String()
}

func utcName(utc bool) string {
	if utc {
		return "UTC"
	}
	return "local"
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

// ---------------------------------------------------------------------------
// Reading a column.

// ScanColumn reads one flat leaf column row by row (row = 0-based index over
// the whole file, across row groups), calling fn with the value's text form
// (see ParquetText) or null=true. The bytes are valid only during the call.
// It reads only that column's pages, one page at a time. An error returned
// by fn stops the scan and is returned as it is.
func (p *ParquetFile) ScanColumn(col int, fn func(row int64, text []byte, null bool) error) (err error) {
	return p.ScanColumnGroups(col, 0, len(p.rgSizes), fn)
}

// ScanColumnGroups is ScanColumn over the row groups [g0, g1) only: a
// worker that reads one row group of a file. Rows keep their index in the
// file (the first row of group g0 is the sum of the sizes of the groups
// before it).
func (p *ParquetFile) ScanColumnGroups(col, g0, g1 int, fn func(row int64, text []byte, null bool) error) (err error) {
	rg := -1
	inFn := false
	defer func() {
		if !parquetRecoverPanics {
			return
		}
		if rec := recover(); rec != nil {
			if inFn {
				panic(rec) // a panic in the caller's function is not ours to hide
			}
			recoverParquet(rec, p.name, p.leafName(col), rg, &err)
		}
	}()
	if col < 0 || col >= len(p.leaves) {
		return fmt.Errorf("%s: no column %d (the file has %d columns)", p.name, col, len(p.leaves))
	}
	l := p.leaves[col]
	if !l.flat {
		return p.nestedError(l)
	}
	buf := make([]parquet.Value, parquetBatchRows)
	var text []byte
	if g0 < 0 || g1 > len(p.rgSizes) || g0 > g1 {
		return fmt.Errorf("%s: no row groups [%d, %d) (the file has %d)", p.name, g0, g1, len(p.rgSizes))
	}
	row := int64(0)
	for _, n := range p.rgSizes[:g0] {
		row += n
	}
	for g, group := range p.f.RowGroups() {
		if g < g0 || g >= g1 {
			continue
		}
		rg = g
		if err := p.checkChunk(g, col); err != nil {
			return err
		}
		want := group.NumRows()
		got := int64(0)
		pages := p.checkedRowGroup(g).ColumnChunks()[col].Pages()
		err := func() error {
			defer pages.Close()
			for {
				page, err := pages.ReadPage()
				if err == io.EOF {
					return nil
				}
				if err != nil {
					return p.errorf(col, g, "corrupt page (%v)", err)
				}
				err = func() error {
					defer parquet.Release(page)
					vr := page.Values()
					for {
						n, rerr := vr.ReadValues(buf)
						if n > 0 && got+int64(n) > want {
							return p.errorf(col, g, "corrupt file: the column holds more values than the row group's %d rows", want)
						}
						for i := range n {
							v := &buf[i]
							if v.RepetitionLevel() != 0 || v.DefinitionLevel() > l.maxDef || v.IsNull() != (v.DefinitionLevel() < l.maxDef) {
								return p.errorf(col, g, "corrupt page (invalid levels at row %d)", row)
							}
							var fnErr error
							if v.IsNull() {
								inFn = true
								fnErr = fn(row, nil, true)
							} else {
								text = appendParquetText(text[:0], *v, l)
								inFn = true
								fnErr = fn(row, text, false)
							}
							inFn = false
							if fnErr != nil {
								return fnErr
							}
							row++
							got++
						}
						if rerr == io.EOF {
							return nil
						}
						if rerr != nil {
							return p.errorf(col, g, "corrupt page (%v)", rerr)
						}
						if n == 0 {
							return p.errorf(col, g, "corrupt page (no progress)")
						}
					}
				}()
				if err != nil {
					return err
				}
			}
		}()
		if err != nil {
			return err
		}
		if got != want {
			return p.errorf(col, g, "corrupt file: the column holds %d values but the row group has %d rows", got, want)
		}
	}
	return nil
}

func (p *ParquetFile) nestedError(l *parquetLeaf) error {
	return fmt.Errorf("%s: column %s is nested or repeated (%s, %s): fairflip cannot use it as a table cell", p.name, l.name, l.desc, l.shape)
}

// ---------------------------------------------------------------------------
// Rewriting.

// ParquetRewrite says what to change when rewriting.
type ParquetRewrite struct {
	// Set maps a leaf column index to the cells to change in it: row → new
	// value in text form (converted to the column's type). A changed cell is
	// never null.
	Set map[int]map[int64]string
	// AppendColumn, if not empty, appends an optional string column of this
	// name as the last top-level column; Append maps row → its value; rows
	// not in the map are null.
	AppendColumn string
	Append       map[int64]string
	// DropColumn, if >= 0, drops this flat leaf column (it must be a top-level
	// column), e.g. the audit column on undo. Set it to -1 to drop nothing:
	// the zero value 0 drops the first column.
	DropColumn int
}

// RewriteParquet writes src to w with the changes applied, keeping everything
// else: the columns in their order with their physical and logical types,
// repetition and field ids; the codec of each column (that of its chunk in the
// first row group); dictionary encoding (and the first data page's encoding
// otherwise); one output row group per non-empty input row group with the same
// number of rows; the data page version of the first page; every value and
// null of the cells that are not changed, nested and repeated columns
// included; and the key/value metadata, except that:
//
//   - when a column is appended, ARROW:schema (which the new column would make
//     stale) moves to fairflip.original.ARROW:schema, and pandas is copied to
//     fairflip.original.pandas and gets an entry for the new column;
//   - when a column is dropped and fairflip.original.* keys exist, they are
//     restored to their original keys and removed.
//
// So rewriting with AppendColumn and then dropping that column gives back the
// original metadata exactly. parquet-go writes its own created_by (readers use
// it to work around bugs of the writer that made the file), column and offset
// indexes, and no bloom filters; the statistics of every column chunk are
// those of its values by the column's logical order (parquet_stats.go): none
// where the order is undefined or a float chunk holds a NaN, and no column
// index where it could not be right. Row groups without rows are not written.
// VerifyParquetRewrite checks the result.
func RewriteParquet(src *ParquetFile, w io.Writer, rw ParquetRewrite) (err error) {
	rx := &parquetRewriter{p: src, rg: -1, col: -1}
	defer func() {
		if !parquetRecoverPanics {
			return
		}
		if rec := recover(); rec != nil {
			recoverParquet(rec, src.name, src.leafName(rx.col), rx.rg, &err)
		}
	}()
	return rx.run(w, rw)
}

type parquetCellChange struct {
	row int64
	col int
	val parquet.Value
}

type parquetAppendCell struct {
	row int64
	val parquet.Value
}

type parquetRewriter struct {
	p       *ParquetFile
	rg, col int // where we are, for error messages

	sets       []parquetCellChange // sorted by row, then column
	appends    []parquetAppendCell // sorted by row
	drop       int
	append     bool
	appendName string
	outCol     int // leaf index of the appended column in the output

	maxDef, maxRep []int
	pos            []int // index in the current row of the first value of each column

	outLeaves []*parquetLeaf      // the leaf of each output column (initStats)
	stats     [][]parquetStatsAcc // by input row group, then output column
	reads     [][]valueDigest     // what parquet-go read, by row group and input leaf
}

func (x *parquetRewriter) run(w io.Writer, rw ParquetRewrite) error {
	p := x.p
	if err := x.plan(rw); err != nil {
		return err
	}
	// Validate every page before writing anything.
	for g := range p.meta.RowGroups {
		for c := range p.leaves {
			x.rg, x.col = g, c
			if err := p.checkChunk(g, c); err != nil {
				return err
			}
		}
	}
	x.rg, x.col = -1, -1

	schema, skip, pageVersion := x.outputSchema(rw)
	opts := []parquet.WriterOption{schema, parquet.DataPageVersion(pageVersion)}
	for _, s := range skip {
		opts = append(opts, parquet.SkipPageStatistics(s.path...))
		if s.noBounds {
			opts = append(opts, parquet.SkipPageBounds(s.path...))
		}
	}
	cfg, err := parquet.NewWriterConfig(opts...)
	if err != nil {
		return fmt.Errorf("%s: %w", p.name, err)
	}
	x.initStats()
	tw := &tailWriter{w: w}
	wr := parquet.NewWriter(tw, cfg)
	kv := rewriteParquetKV(p.kv, rw, x.droppedName())
	keys := make([]string, 0, len(kv))
	for k := range kv {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		wr.SetKeyValueMetadata(k, kv[k])
	}

	p.reads = nil
	if x.columnWise() {
		if err := x.runColumns(wr); err != nil {
			return err
		}
		return x.close(wr, tw)
	}

	nLeaves := len(p.leaves)
	x.maxDef = make([]int, nLeaves)
	x.maxRep = make([]int, nLeaves)
	x.pos = make([]int, nLeaves)
	for i, l := range p.leaves {
		x.maxDef[i], x.maxRep[i] = l.maxDef, l.maxRep
	}
	rows := make([]parquet.Row, parquetBatchRows)
	setCur, appCur := 0, 0
	for g, group := range p.f.RowGroups() {
		x.rg, x.col = g, -1
		start, want := p.rgStarts[g], group.NumRows()
		err := func() error {
			rr := p.checkedRowGroup(g).Rows()
			defer rr.Close()
			read := int64(0)
			for {
				// Ask for no more rows than the row group should hold: parquet-go
				// reads every column again for every row asked beyond its end.
				// Once they are read, one more row is asked for, to make sure
				// there is none.
				batch := rows[:max(1, min(int64(len(rows)), want-read))]
				n, rerr := rr.ReadRows(batch)
				if n > 0 {
					if read+int64(n) > want {
						return p.errorf(-1, g, "corrupt file: the column chunks hold more than the row group's %d rows", want)
					}
					for k := range n {
						row := rows[k]
						rowNum := start + read + int64(k)
						if err := x.checkRow(row, g, rowNum-start); err != nil {
							return err
						}
						for j := range row {
							c := row[j].Column()
							x.reads[g][c] = x.reads[g][c].addValues(p.leaves[c].kind, row[j:j+1])
						}
						for setCur < len(x.sets) && x.sets[setCur].row == rowNum {
							s := &x.sets[setCur]
							row[x.pos[s.col]] = s.val.Level(0, x.maxDef[s.col], s.col)
							setCur++
						}
						if x.drop >= 0 {
							i := x.pos[x.drop]
							copy(row[i:], row[i+1:])
							row = row[:len(row)-1]
							for j := i; j < len(row); j++ {
								row[j].SetColumnIndex(row[j].Column() - 1)
							}
						}
						if x.append {
							v := parquet.NullValue().Level(0, 0, x.outCol)
							if appCur < len(x.appends) && x.appends[appCur].row == rowNum {
								v = x.appends[appCur].val.Level(0, 1, x.outCol)
								appCur++
							}
							row = append(row, v)
						}
						st := x.stats[g]
						for j := range row {
							st[row[j].Column()].addValues(row[j : j+1])
						}
						rows[k] = row
					}
					if _, err := wr.WriteRows(rows[:n]); err != nil {
						return p.errorf(-1, g, "writing: %w", err)
					}
					read += int64(n)
				}
				if rerr == io.EOF {
					break
				}
				if rerr != nil {
					return p.errorf(-1, g, "corrupt page (%v)", rerr)
				}
				if n == 0 {
					return p.errorf(-1, g, "corrupt file (no progress reading rows)")
				}
			}
			if read != want {
				return p.errorf(-1, g, "corrupt file: the column chunks hold %d rows, the row group says %d", read, want)
			}
			return nil
		}()
		if err != nil {
			return err
		}
		if err := wr.Flush(); err != nil {
			return p.errorf(-1, g, "writing: %w", err)
		}
	}
	x.rg = -1
	return x.close(wr, tw)
}

// close finishes the file: parquet-go writes the page index and the footer,
// whose statistics are then fixed (fixFooter).
func (x *parquetRewriter) close(wr *parquet.Writer, tw *tailWriter) error {
	tw.capture = true
	if err := wr.Close(); err != nil {
		return fmt.Errorf("%s: writing: %w", x.p.name, err)
	}
	var stats [][]parquetStatsAcc
	for g, st := range x.stats {
		if x.p.rgSizes[g] > 0 { // row groups without rows are not written
			stats = append(stats, st)
		}
	}
	if err := tw.fixFooter(stats, x.outLeaves); err != nil {
		return fmt.Errorf("%s: writing: %w", x.p.name, err)
	}
	x.p.reads = x.reads
	return nil
}

// checkRow checks that a row read by parquet-go is well formed: one or more
// values per leaf column, in column order, with levels in range and nulls
// exactly where the definition level says so. It records where each column's
// values start.
func (x *parquetRewriter) checkRow(row parquet.Row, g int, rowInGroup int64) error {
	col := -1
	for i := range row {
		v := &row[i]
		c := v.Column()
		rep, def := v.RepetitionLevel(), v.DefinitionLevel()
		if c != col {
			if c != col+1 || rep != 0 {
				return x.p.errorf(-1, g, "corrupt file (row %d is malformed)", rowInGroup)
			}
			col = c
			x.pos[c] = i
		} else if rep == 0 || x.maxRep[c] == 0 {
			return x.p.errorf(c, g, "corrupt file (row %d is malformed)", rowInGroup)
		}
		if rep > x.maxRep[c] || def > x.maxDef[c] || v.IsNull() != (def < x.maxDef[c]) {
			return x.p.errorf(c, g, "corrupt file (invalid levels in row %d)", rowInGroup)
		}
	}
	if col != len(x.maxDef)-1 {
		return x.p.errorf(col+1, g, "corrupt file (row %d has no value for the column)", rowInGroup)
	}
	return nil
}

// plan validates the rewrite and converts the new cells to the columns' types.
func (x *parquetRewriter) plan(rw ParquetRewrite) error {
	p := x.p
	x.drop = -1
	if rw.DropColumn >= 0 {
		if rw.DropColumn >= len(p.leaves) {
			return fmt.Errorf("%s: cannot drop column %d (the file has %d columns)", p.name, rw.DropColumn, len(p.leaves))
		}
		l := p.leaves[rw.DropColumn]
		if !l.flat {
			return p.nestedError(l)
		}
		if len(p.leaves) == 1 && rw.AppendColumn == "" {
			return fmt.Errorf("%s: cannot drop column %s, the file's only column", p.name, l.name)
		}
		x.drop = rw.DropColumn
	}
	for col, cells := range rw.Set {
		if col < 0 || col >= len(p.leaves) {
			return fmt.Errorf("%s: no column %d (the file has %d columns)", p.name, col, len(p.leaves))
		}
		l := p.leaves[col]
		if !l.flat {
			return p.nestedError(l)
		}
		if col == x.drop {
			return fmt.Errorf("%s: column %s is both changed and dropped", p.name, l.name)
		}
		for row, text := range cells {
			if row < 0 || row >= p.numRows {
				return fmt.Errorf("%s: column %s: row %d is out of range (the file has %d rows)", p.name, l.name, row, p.numRows)
			}
			v, err := parquetValueFromText(text, l)
			if err != nil {
				return fmt.Errorf("%s: row %d: %w", p.name, row, err)
			}
			x.sets = append(x.sets, parquetCellChange{row: row, col: col, val: v})
		}
	}
	slices.SortFunc(x.sets, func(a, b parquetCellChange) int {
		if a.row != b.row {
			if a.row < b.row {
				return -1
			}
			return 1
		}
		return a.col - b.col
	})
	if rw.AppendColumn != "" {
		for i, f := range p.f.Root().Columns() {
			if f.Name() == rw.AppendColumn && !(x.drop >= 0 && p.leaves[x.drop].top == i) {
				return fmt.Errorf("%s: the file already has a column %s", p.name, rw.AppendColumn)
			}
		}
		x.append, x.appendName = true, rw.AppendColumn
		x.outCol = len(p.leaves)
		if x.drop >= 0 {
			x.outCol--
		}
		for row, text := range rw.Append {
			if row < 0 || row >= p.numRows {
				return fmt.Errorf("%s: column %s: row %d is out of range (the file has %d rows)", p.name, rw.AppendColumn, row, p.numRows)
			}
			x.appends = append(x.appends, parquetAppendCell{row: row, val: parquet.ByteArrayValue([]byte(text))})
		}
		slices.SortFunc(x.appends, func(a, b parquetAppendCell) int {
			switch {
			case a.row < b.row:
				return -1
			case a.row > b.row:
				return 1
			}
			return 0
		})
	} else if len(rw.Append) > 0 {
		return fmt.Errorf("%s: values to append but no column name", p.name)
	}
	return nil
}

func (x *parquetRewriter) droppedName() string {
	if x.drop < 0 {
		return ""
	}
	return x.p.leaves[x.drop].name
}

// outputSchema builds the schema of the output: the file's own nodes (wrapped
// so that parquet-go keeps their order, annotations, encodings and codecs),
// minus the dropped column, plus the appended one. It also returns the
// columns whose pages must carry no statistics (skipPageStats), with those
// whose bounds parquet-go need not compute at all (no defined order), and
// the data page version to use.
func (x *parquetRewriter) outputSchema(rw ParquetRewrite) (*parquet.Schema, []statsSkip, int) {
	p := x.p
	root := p.f.Root()
	var skips []statsSkip
	var wrap func(c *parquet.Column, path []string) *parquetNode
	wrap = func(c *parquet.Column, path []string) *parquetNode {
		elem := &p.meta.Schema[p.elemOf[c]]
		n := &parquetNode{
			name:     c.Name(),
			id:       int(elem.FieldID),
			optional: elem.RepetitionType.Valid && elem.RepetitionType.V == format.Optional,
			repeated: elem.RepetitionType.Valid && elem.RepetitionType.V == format.Repeated,
			leaf:     c.Leaf(),
		}
		at := &annotatedType{Type: c.Type()}
		if c.Leaf() && p.leaves[c.Index()].conv == convNull {
			// parquet-go's NULL type has no physical kind; its columns are
			// written as INT32, as pyarrow does, with the UNKNOWN annotation.
			at.Type = parquet.Int32Type
		}
		switch {
		case elem.LogicalType.Value != nil:
			at.lt = &elem.LogicalType
		case elem.ConvertedType.Valid && elem.ConvertedType.V == deprecated.Decimal:
			// parquet-go writes the scale and precision of a decimal only
			// along with its logical type: a DECIMAL converted type alone gets
			// the equivalent logical type.
			at.lt = c.Type().LogicalType()
		}
		if elem.ConvertedType.Valid {
			ct := elem.ConvertedType.V
			at.ct = &ct
		}
		if elem.TypeLength.Valid && elem.TypeLength.V > 0 {
			at.length = int(elem.TypeLength.V)
		}
		n.typ = at
		if n.leaf {
			l := p.leaves[c.Index()]
			n.enc = p.outputEncoding(l)
			n.codec = p.outputCodec(l.index)
			if l.skipPageStats() {
				skips = append(skips, statsSkip{path: path, noBounds: l.order() == orderNone})
			}
			return n
		}
		for _, child := range c.Columns() {
			n.fields = append(n.fields, wrap(child, append(slices.Clip(path), child.Name())))
		}
		return n
	}
	top := &parquetNode{name: p.meta.Schema[0].Name, typ: &annotatedType{Type: root.Type()}}
	for i, c := range root.Columns() {
		if x.drop >= 0 && p.leaves[x.drop].top == i {
			continue
		}
		top.fields = append(top.fields, wrap(c, []string{c.Name()}))
	}
	if x.append {
		str := parquet.String()
		top.fields = append(top.fields, &parquetNode{
			name:     rw.AppendColumn,
			optional: true,
			leaf:     true,
			typ:      str.Type(),
			enc:      &parquet.Plain,
			codec:    p.outputCodec(0),
		})
		skips = append(skips, statsSkip{path: []string{rw.AppendColumn}})
	}
	version := 1
	for g := range p.meta.RowGroups {
		if v := p.chunkCheck(g, 0).pageVersion; v != 0 {
			version = v
			break
		}
	}
	return parquet.NewSchema(top.name, top), skips, version
}

// outputCodec is the codec of the leaf's chunk in the first row group.
func (p *ParquetFile) outputCodec(leaf int) compress.Codec {
	if len(p.meta.RowGroups) == 0 || leaf >= len(p.leaves) {
		return &parquet.Uncompressed
	}
	return parquet.LookupCompressionCodec(p.meta.RowGroups[0].Columns[leaf].MetaData.Codec)
}

// outputEncoding is the encoding to write a leaf with: RLE_DICTIONARY if its
// first chunk is dictionary-encoded, else the encoding of its first data page
// if parquet-go can write it for the type, else PLAIN.
func (p *ParquetFile) outputEncoding(l *parquetLeaf) encoding.Encoding {
	if len(p.meta.RowGroups) == 0 || l.conv == convNull {
		return &parquet.Plain
	}
	ck := p.chunkCheck(0, l.index)
	if ck.dict {
		return &parquet.RLEDictionary
	}
	if !ck.hasData {
		return &parquet.Plain
	}
	e := parquet.LookupEncoding(ck.dataEncoding)
	ok := false
	switch l.kind {
	case parquet.Boolean:
		ok = encoding.CanEncodeBoolean(e)
	case parquet.Int32:
		ok = encoding.CanEncodeInt32(e)
	case parquet.Int64:
		ok = encoding.CanEncodeInt64(e)
	case parquet.Int96:
		ok = encoding.CanEncodeInt96(e)
	case parquet.Float:
		ok = encoding.CanEncodeFloat(e)
	case parquet.Double:
		ok = encoding.CanEncodeDouble(e)
	case parquet.ByteArray:
		ok = encoding.CanEncodeByteArray(e)
	case parquet.FixedLenByteArray:
		ok = encoding.CanEncodeFixedLenByteArray(e)
	}
	if !ok {
		return &parquet.Plain
	}
	return e
}

// annotatedType is a column type with the logical and converted type
// annotations of the input's schema element, so that the output declares
// exactly what the input did: parquet-go would otherwise derive them (adding
// a logical type to a converted type alone, which some readers interpret
// differently: DuckDB reads TIMESTAMP_MILLIS alone as a timestamp without
// time zone, and with its logical type as one with), and drop those it does
// not know, such as FLOAT16.
type annotatedType struct {
	parquet.Type
	lt     *format.LogicalType
	ct     *deprecated.ConvertedType
	length int // the element's type_length (0: none)
}

// Length is the type_length of the input's schema element: parquet-go writes
// Length() as the type_length of every column, the bit width for numbers,
// where most writers write none. It only matters as such for
// FIXED_LEN_BYTE_ARRAY, where it is the same as the type's own length; the
// writer's column buffers get their sizes from the type they wrap.
func (t *annotatedType) Length() int {
	if k, ok := safeKind(t.Type); ok && k == parquet.FixedLenByteArray {
		return t.Type.Length()
	}
	return t.length
}

func (t *annotatedType) LogicalType() *format.LogicalType {
	if t.lt == nil || t.lt.Value == nil {
		return nil
	}
	return t.lt
}

func (t *annotatedType) ConvertedType() *deprecated.ConvertedType { return t.ct }

// parquetNode is a schema node (a parquet.Field) with its fields in the
// order given. parquet.Group would sort them by name.
type parquetNode struct {
	name               string
	id                 int
	optional, repeated bool
	leaf               bool
	typ                parquet.Type
	fields             []parquet.Field
	enc                encoding.Encoding
	codec              compress.Codec

	goTypeOnce sync.Once
	goType     reflect.Type
}

func (n *parquetNode) ID() int { return n.id }
func (n *parquetNode) String() string {
	var b strings.Builder
	_ = parquet.PrintSchema(&b, n.name, n)
	return b.String()
}
func (n *parquetNode) Type() parquet.Type          { return n.typ }
func (n *parquetNode) Optional() bool              { return n.optional }
func (n *parquetNode) Repeated() bool              { return n.repeated }
func (n *parquetNode) Required() bool              { return !n.optional && !n.repeated }
func (n *parquetNode) Leaf() bool                  { return n.leaf }
func (n *parquetNode) Fields() []parquet.Field     { return n.fields }
func (n *parquetNode) Encoding() encoding.Encoding { return n.enc }
func (n *parquetNode) Compression() compress.Codec { return n.codec }
func (n *parquetNode) Name() string                { return n.name }
func (n *parquetNode) Value(base reflect.Value) reflect.Value {
	switch base.Kind() {
	case reflect.Map:
		return base.MapIndex(reflect.ValueOf(n.name))
	case reflect.Struct:
		return base.FieldByName(exportedGoName(n.name))
	}
	return reflect.Value{}
}

// GoType is the Go type of the node, as parquet-go's goTypeOfGroup builds it
// (a struct with one exported field per column), with names that cannot be Go
// identifiers or struct tags sanitized instead of panicking. The rewriter
// itself only uses parquet-go's row API and never needs it.
func (n *parquetNode) GoType() reflect.Type {
	n.goTypeOnce.Do(func() {
		var t reflect.Type
		if n.leaf {
			t = leafGoType(n.typ)
		} else {
			fields := make([]reflect.StructField, 0, len(n.fields))
			used := map[string]bool{}
			for _, f := range n.fields {
				name := exportedGoName(f.Name())
				for used[name] {
					name += "_"
				}
				used[name] = true
				sf := reflect.StructField{Name: name, Type: f.GoType()}
				if !strings.ContainsAny(f.Name(), `,"`+"`") {
					sf.Tag = reflect.StructTag(`parquet:` + strconv.Quote(f.Name()))
				}
				fields = append(fields, sf)
			}
			t = reflect.StructOf(fields)
		}
		switch {
		case n.optional:
			t = reflect.PointerTo(t)
		case n.repeated:
			t = reflect.SliceOf(t)
		}
		n.goType = t
	})
	return n.goType
}

// leafGoType is the Go type of a leaf of this type (any for a type without one).
func leafGoType(t parquet.Type) (gt reflect.Type) {
	defer func() {
		if recover() != nil {
			gt = reflect.TypeFor[any]()
		}
	}()
	return parquet.Leaf(t).GoType()
}

// exportedGoName turns a column name into an exported Go identifier.
func exportedGoName(name string) string {
	var b strings.Builder
	for i, r := range name {
		switch {
		case unicode.IsLetter(r) || r == '_' || (i > 0 && unicode.IsDigit(r)):
			if b.Len() == 0 && !unicode.IsUpper(r) {
				if u := unicode.ToUpper(r); u != r && unicode.IsUpper(u) {
					r = u
				} else {
					b.WriteByte('X')
				}
			}
			b.WriteRune(r)
		default:
			if b.Len() == 0 {
				b.WriteByte('X')
			}
			b.WriteByte('_')
		}
	}
	if b.Len() == 0 {
		return "X"
	}
	return b.String()
}

// rewriteParquetKV computes the output's key/value metadata.
func rewriteParquetKV(in map[string]string, rw ParquetRewrite, dropped string) map[string]string {
	out := make(map[string]string, len(in)+2)
	for k, v := range in {
		out[k] = v
	}
	if rw.DropColumn >= 0 {
		restored := false
		for k, v := range in {
			if orig, ok := strings.CutPrefix(k, parquetStashPrefix); ok {
				out[orig] = v
				delete(out, k)
				restored = true
			}
		}
		if !restored && dropped != "" {
			if s, ok := out[parquetPandasKey]; ok {
				if upd, ok := pandasDropColumn(s, dropped); ok {
					out[parquetPandasKey] = upd
				}
			}
		}
	}
	if rw.AppendColumn != "" {
		if s, ok := out[parquetArrowKey]; ok {
			if _, stashed := out[parquetStashPrefix+parquetArrowKey]; !stashed {
				out[parquetStashPrefix+parquetArrowKey] = s
			}
			delete(out, parquetArrowKey)
		}
		if s, ok := out[parquetPandasKey]; ok {
			if upd, ok := pandasAppendColumn(s, rw.AppendColumn); ok {
				if _, stashed := out[parquetStashPrefix+parquetPandasKey]; !stashed {
					out[parquetStashPrefix+parquetPandasKey] = s
				}
				out[parquetPandasKey] = upd
			}
		}
	}
	return out
}

// pandasAppendColumn adds an entry for a new string column to the "columns"
// list of pandas metadata. The other members are kept as they are.
func pandasAppendColumn(s, name string) (string, bool) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		return "", false
	}
	var cols []json.RawMessage
	if raw, ok := m["columns"]; ok {
		if err := json.Unmarshal(raw, &cols); err != nil {
			return "", false
		}
	}
	entry, err := json.Marshal(map[string]any{
		"name":        name,
		"field_name":  name,
		"pandas_type": "unicode",
		"numpy_type":  "object",
		"metadata":    nil,
	})
	if err != nil {
		return "", false
	}
	cols = append(cols, entry)
	raw, err := json.Marshal(cols)
	if err != nil {
		return "", false
	}
	m["columns"] = raw
	b, err := json.Marshal(m)
	if err != nil {
		return "", false
	}
	return string(b), true
}

// pandasDropColumn removes the entries of a column from the "columns" list of
// pandas metadata.
func pandasDropColumn(s, name string) (string, bool) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		return "", false
	}
	var cols []json.RawMessage
	if err := json.Unmarshal(m["columns"], &cols); err != nil {
		return "", false
	}
	kept := cols[:0]
	removed := false
	for _, c := range cols {
		var e struct {
			FieldName *string `json:"field_name"`
		}
		if json.Unmarshal(c, &e) == nil && e.FieldName != nil && *e.FieldName == name {
			removed = true
			continue
		}
		kept = append(kept, c)
	}
	if !removed {
		return "", false
	}
	raw, err := json.Marshal(kept)
	if err != nil {
		return "", false
	}
	m["columns"] = raw
	b, err := json.Marshal(m)
	if err != nil {
		return "", false
	}
	return string(b), true
}

// ---------------------------------------------------------------------------
// Page validation.

// checkedRowGroup is a row group whose pages are checked by checkPage as
// parquet-go reads them, before their values are used.
type checkedRowGroup struct {
	parquet.RowGroup
	chunks []parquet.ColumnChunk
}

func (p *ParquetFile) checkedRowGroup(g int) *checkedRowGroup {
	rg := p.f.RowGroups()[g]
	chunks := rg.ColumnChunks()
	c := &checkedRowGroup{RowGroup: rg, chunks: make([]parquet.ColumnChunk, len(chunks))}
	for i, ch := range chunks {
		c.chunks[i] = &checkedChunk{ColumnChunk: ch, p: p, g: g, leaf: p.leaves[i]}
	}
	return c
}

func (g *checkedRowGroup) ColumnChunks() []parquet.ColumnChunk { return g.chunks }
func (g *checkedRowGroup) Rows() parquet.Rows                  { return parquet.NewRowGroupRowReader(g) }

type checkedChunk struct {
	parquet.ColumnChunk
	p    *ParquetFile
	g    int
	leaf *parquetLeaf
}

func (c *checkedChunk) Pages() parquet.Pages {
	return &checkedPages{Pages: c.ColumnChunk.Pages(), c: c}
}

type checkedPages struct {
	parquet.Pages
	c *checkedChunk
}

func (cp *checkedPages) ReadPage() (parquet.Page, error) {
	page, err := cp.Pages.ReadPage()
	if err != nil {
		return page, err
	}
	if err := checkPage(page, cp.c.leaf); err != nil {
		parquet.Release(page)
		return nil, cp.c.p.errorf(cp.c.leaf.index, cp.c.g, "corrupt page (%v)", err)
	}
	if h := cp.c.p.pageHook; h != nil {
		h(cp.c.g, cp.c.leaf.index, page)
	}
	return page, nil
}

// checkPage checks a page decoded by parquet-go before its values are read:
// levels within their maximum, as many values as the levels say are not null,
// and dictionary indexes within the dictionary (parquet-go panics otherwise).
func checkPage(page parquet.Page, l *parquetLeaf) error {
	n := page.NumValues() - page.NumNulls()
	if l.maxDef > 0 {
		n = 0
		for _, d := range page.DefinitionLevels() {
			switch {
			case int(d) == l.maxDef:
				n++
			case int(d) > l.maxDef:
				return errors.New("definition level out of range")
			}
		}
	}
	for _, r := range page.RepetitionLevels() {
		if int(r) > l.maxRep {
			return errors.New("repetition level out of range")
		}
	}
	data := page.Data()
	if d := page.Dictionary(); d != nil {
		if data.Kind() != encoding.Int32 {
			return errors.New("dictionary page data")
		}
		idx := data.Int32()
		if int64(len(idx)) < n {
			return fmt.Errorf("%d dictionary indexes for %d values", len(idx), n)
		}
		size := uint32(d.Len())
		for _, i := range idx {
			if uint32(i) >= size {
				return fmt.Errorf("dictionary index %d out of range (the dictionary holds %d values)", i, size)
			}
		}
		return nil
	}
	if l.conv == convNull {
		if n != 0 {
			return errors.New("a value in a column of NULL type")
		}
		return nil
	}
	b, offsets := data.Data()
	var have int64
	switch data.Kind() {
	case encoding.Boolean:
		have = 8 * int64(len(b))
	case encoding.Int32, encoding.Float:
		have = int64(len(b)) / 4
	case encoding.Int64, encoding.Double:
		have = int64(len(b)) / 8
	case encoding.Int96:
		have = int64(len(b)) / 12
	case encoding.ByteArray:
		have = max(int64(len(offsets))-1, 0)
		for i := 1; i < len(offsets); i++ {
			if offsets[i] < offsets[i-1] || int(offsets[i]) > len(b) {
				return errors.New("invalid byte array offsets")
			}
		}
	case encoding.FixedLenByteArray:
		if _, size := data.FixedLenByteArray(); size > 0 {
			have = int64(len(b)) / int64(size)
		}
	default:
		if n > 0 {
			return errors.New("page values of an unknown type")
		}
	}
	if have < n {
		return fmt.Errorf("the page holds %d values where its levels say %d", have, n)
	}
	return nil
}

// parquetChunkCheck is what checkChunk learnt about a column chunk.
type parquetChunkCheck struct {
	err          error
	dict         bool            // it has a dictionary page
	hasData      bool            // it has a data page
	dataEncoding format.Encoding // encoding of its first data page
	pageVersion  int             // 1 or 2: the type of its first data page (0: none)
}

// chunkCheck returns the result of checkChunk, running it if needed.
func (p *ParquetFile) chunkCheck(g, col int) *parquetChunkCheck {
	p.mu.Lock()
	defer p.mu.Unlock()
	key := [2]int{g, col}
	if ck, ok := p.checks[key]; ok {
		return ck
	}
	ck := p.checkChunkPages(g, col)
	p.checks[key] = ck
	return ck
}

func (p *ParquetFile) checkChunk(g, col int) error { return p.chunkCheck(g, col).err }

// CheckRows walks the page headers of leaf column col in every row group
// (without decoding values) and reports an error unless their values add up
// to the rows each row group claims: after it, NumRows can be trusted for
// sizing memory. The checks are cached, so a later scan does not repeat
// them.
func (p *ParquetFile) CheckRows(col int) (err error) {
	defer func() {
		if !parquetRecoverPanics {
			return
		}
		if r := recover(); r != nil {
			recoverParquet(r, p.name, p.leafName(col), -1, &err)
		}
	}()
	if col < 0 || col >= len(p.cols) {
		return fmt.Errorf("%s: no column %d", p.name, col)
	}
	for g := range p.rgSizes {
		if err := p.checkChunk(g, col); err != nil {
			return err
		}
	}
	return nil
}

// checkChunkPages walks the pages of a column chunk before parquet-go reads
// them: every page header must decode, fit in the chunk and declare sizes and
// counts within limits and consistent with each other, use encodings
// parquet-go can decode, and its compressed bytes must not declare more
// uncompressed bytes than the header (parquet-go allocates what they say, and
// loops forever on some corrupt LZ4 data). The pages of a flat column must hold
// exactly one value per row.
func (p *ParquetFile) checkChunkPages(g, col int) (ck *parquetChunkCheck) {
	ck = &parquetChunkCheck{}
	l := p.leaves[col]
	fail := func(format string, args ...any) *parquetChunkCheck {
		ck.err = p.errorf(col, g, format, args...)
		return ck
	}
	m := &p.meta.RowGroups[g].Columns[col].MetaData
	start, end := chunkBounds(m)
	off := start
	pages := 0
	var values int64
	var window, body, scratch []byte
	for off < end {
		var h format.PageHeader
		hlen, err := readPageHeader(p.r, off, end, &window, &h)
		if err != nil {
			return fail("%v", err)
		}
		comp, uncomp := int64(h.CompressedPageSize), int64(h.UncompressedPageSize)
		if comp < 0 || uncomp < 0 || comp > p.maxPageBytes || uncomp > p.maxPageBytes {
			return fail("corrupt or unsupported page at offset %d (compressed size %d, uncompressed size %d; the limit is %d, --max-page-bytes)", off, comp, uncomp, p.maxPageBytes)
		}
		if comp > end-off-int64(hlen) {
			return fail("truncated or corrupt page at offset %d (%d bytes do not fit in the column chunk)", off, comp)
		}
		levels := int64(0) // bytes of levels before the compressed data (v2 pages)
		compressed := true
		var numValues int64
		switch h.Type {
		case format.DictionaryPage:
			if !h.DictionaryPageHeader.Valid {
				return fail("corrupt dictionary page at offset %d (no header)", off)
			}
			if pages != 0 || ck.dict {
				return fail("unsupported file: a dictionary page that is not the first page of the column chunk (offset %d)", off)
			}
			d := &h.DictionaryPageHeader.V
			if int64(d.NumValues) < 0 || int64(d.NumValues) > parquetMaxPageValues {
				return fail("corrupt or unsupported dictionary page at offset %d (%d values)", off, d.NumValues)
			}
			if d.Encoding != format.Plain && d.Encoding != format.PlainDictionary {
				return fail("unsupported dictionary page encoding %s", d.Encoding)
			}
			if l.conv == convNull {
				return fail("unsupported file: a dictionary page in a column of NULL type")
			}
			ck.dict = true
		case format.DataPage:
			if !h.DataPageHeader.Valid {
				return fail("corrupt data page at offset %d (no header)", off)
			}
			d := &h.DataPageHeader.V
			numValues = int64(d.NumValues)
			if err := checkPageEncoding(d.Encoding, l, ck.dict); err != nil {
				return fail("page at offset %d: %v", off, err)
			}
			if (l.maxRep > 0 && !levelEncodingOK(d.RepetitionLevelEncoding)) || (l.maxDef > 0 && !levelEncodingOK(d.DefinitionLevelEncoding)) {
				return fail("unsupported level encoding in the page at offset %d", off)
			}
			if !ck.hasData {
				ck.hasData, ck.dataEncoding, ck.pageVersion = true, d.Encoding, 1
			}
		case format.DataPageV2:
			if !h.DataPageHeaderV2.Valid {
				return fail("corrupt data page at offset %d (no header)", off)
			}
			d := &h.DataPageHeaderV2.V
			numValues = int64(d.NumValues)
			if d.NumNulls < 0 || d.NumNulls > d.NumValues || d.NumRows < 0 || d.NumRows > d.NumValues ||
				d.RepetitionLevelsByteLength < 0 || d.DefinitionLevelsByteLength < 0 {
				return fail("corrupt data page at offset %d (invalid counts)", off)
			}
			levels = int64(d.RepetitionLevelsByteLength) + int64(d.DefinitionLevelsByteLength)
			if levels > comp || levels > uncomp {
				return fail("corrupt data page at offset %d (levels larger than the page)", off)
			}
			if err := checkPageEncoding(d.Encoding, l, ck.dict); err != nil {
				return fail("page at offset %d: %v", off, err)
			}
			if d.IsCompressed.Valid && !d.IsCompressed.V {
				compressed = false
			}
			if !ck.hasData {
				ck.hasData, ck.dataEncoding, ck.pageVersion = true, d.Encoding, 2
			}
		default:
			return fail("unsupported page type %s at offset %d", h.Type, off)
		}
		if numValues < 0 || numValues > parquetMaxPageValues {
			return fail("corrupt or unsupported page at offset %d (%d values)", off, numValues)
		}
		values += numValues
		decompress := compressed && m.Codec != format.Uncompressed
		dictIndexes := h.Type != format.DictionaryPage && isDictIndexEncoding(h)
		if decompress || dictIndexes {
			if int64(cap(body)) < comp {
				body = make([]byte, comp)
			}
			body = body[:comp]
			if err := readFullAt(p.r, body, off+int64(hlen)); err != nil {
				return fail("reading the page at offset %d: %v", off, err)
			}
		}
		if decompress {
			if err := checkCompressedPage(m.Codec, body[levels:], uncomp-levels); err != nil {
				return fail("corrupt %s page at offset %d (%v)", m.Codec, off, err)
			}
		}
		if dictIndexes {
			// parquet-go decodes dictionary indexes without checking their
			// runs against the page (rle.decodeInt32 slices past its input,
			// or allocates 4 bytes for each of the 2^31 values a run may
			// claim): check them here, on the page decompressed.
			data := body[levels:]
			if decompress {
				var err error
				if scratch, err = decompressPage(m.Codec, data, uncomp-levels, scratch); err != nil {
					return fail("corrupt %s page at offset %d (%v)", m.Codec, off, err)
				}
				data = scratch
			}
			if h.Type == format.DataPage {
				var err error
				if data, err = skipLevelsV1(data, l); err != nil {
					return fail("corrupt data page at offset %d (%v)", off, err)
				}
			}
			if err := checkDictIndexes(data, numValues); err != nil {
				return fail("corrupt data page at offset %d (%v)", off, err)
			}
		}
		off += int64(hlen) + comp
		pages++
	}
	if l.flat && values != p.meta.RowGroups[g].NumRows {
		return fail("corrupt file: the pages hold %d values but the row group has %d rows", values, p.meta.RowGroups[g].NumRows)
	}
	return ck
}

// chunkBounds returns the byte range of a column chunk's pages.
func chunkBounds(m *format.ColumnMetaData) (start, end int64) {
	start = m.DataPageOffset
	if m.DictionaryPageOffset != 0 {
		start = m.DictionaryPageOffset
	}
	return start, start + m.TotalCompressedSize
}

// readPageHeader reads and decodes the page header at off, in a column chunk
// that ends at end, with a window (kept for the next call) that grows until
// it holds the header; it returns the header's length.
func readPageHeader(r io.ReaderAt, off, end int64, window *[]byte, h *format.PageHeader) (int, error) {
	size := min(end-off, 1024)
	for {
		if int64(cap(*window)) < size {
			*window = make([]byte, size)
		}
		w := (*window)[:size]
		if err := readFullAt(r, w, off); err != nil {
			return 0, fmt.Errorf("reading a page header at offset %d: %v", off, err)
		}
		n, err := thriftCheck(w)
		if err == nil {
			*h = format.PageHeader{}
			if err := thrift.Unmarshal(&thrift.CompactProtocol{}, w[:n], h); err != nil {
				return 0, fmt.Errorf("corrupt page header at offset %d (%v)", off, err)
			}
			return n, nil
		}
		if errors.Is(err, errThriftEOF) && size < end-off && size < 64<<20 {
			size = min(end-off, size*8)
			continue
		}
		return 0, fmt.Errorf("corrupt page header at offset %d (%v)", off, err)
	}
}

func levelEncodingOK(e format.Encoding) bool { return e == format.RLE || e == format.BitPacked }

// isDictIndexEncoding reports whether a data page holds dictionary indexes.
func isDictIndexEncoding(h format.PageHeader) bool {
	var e format.Encoding
	switch {
	case h.Type == format.DataPage && h.DataPageHeader.Valid:
		e = h.DataPageHeader.V.Encoding
	case h.Type == format.DataPageV2 && h.DataPageHeaderV2.Valid:
		e = h.DataPageHeaderV2.V.Encoding
	default:
		return false
	}
	return e == format.PlainDictionary || e == format.RLEDictionary
}

// skipLevelsV1 returns the values of an uncompressed v1 data page, after its
// levels, as parquet-go finds them: each level section that the column has
// (repetition, then definition) is preceded by its length in 4 bytes.
func skipLevelsV1(data []byte, l *parquetLeaf) ([]byte, error) {
	for _, has := range []bool{l.maxRep > 0, l.maxDef > 0} {
		if !has {
			continue
		}
		if len(data) < 4 {
			return nil, errors.New("truncated levels")
		}
		n := uint64(binary.LittleEndian.Uint32(data))
		if n > uint64(len(data)-4) {
			return nil, errors.New("levels larger than the page")
		}
		data = data[4+n:]
	}
	return data, nil
}

// checkDictIndexes checks the dictionary indexes of a data page (a bit width,
// then runs of the RLE/bit-packed hybrid encoding) before parquet-go decodes
// them: the bit width must be at most 32, every run must fit in the page's
// bytes, and no run may start after numValues values (nulls included). A run
// may end past numValues (DuckDB pads its last bit-packed run to 256 values),
// by 7 values or by 8 per byte it holds, so that the values decoded (4 bytes
// each for parquet-go) stay proportional to the page: a run header alone may
// claim 2^31 values.
func checkDictIndexes(src []byte, numValues int64) error {
	if len(src) == 0 {
		return nil // parquet-go decodes no index
	}
	width := uint64(src[0])
	if width > 32 {
		return fmt.Errorf("dictionary indexes of %d bits", width)
	}
	limit := uint64(numValues)
	tooMany := errors.New("more dictionary indexes than values")
	var n uint64
	for i := 1; i < len(src); {
		u, k := binary.Uvarint(src[i:])
		if k <= 0 {
			return errors.New("corrupt run of dictionary indexes")
		}
		i += k
		count := u >> 1
		if count == 0 {
			continue // parquet-go skips it
		}
		if n >= limit || count > uint64(len(src))+limit {
			return tooMany
		}
		size := (width + 7) / 8 // a repeated value
		if u&1 != 0 {           // bit-packed: count groups of 8 values
			size = count * width
			count *= 8
		}
		if size > uint64(len(src)-i) {
			return errors.New("truncated run of dictionary indexes")
		}
		i += int(size)
		if n += count; n > limit && n-limit > max(7, 8*size) {
			return tooMany
		}
	}
	return nil
}

// checkPageEncoding checks that parquet-go can decode a data page encoding
// for the leaf's type.
func checkPageEncoding(e format.Encoding, l *parquetLeaf, haveDict bool) error {
	if e == format.PlainDictionary || e == format.RLEDictionary {
		if !haveDict {
			return errors.New("dictionary-encoded page without a dictionary page")
		}
		return nil
	}
	if l.conv == convNull {
		return nil
	}
	enc := parquet.LookupEncoding(e)
	if _, ok := enc.(encoding.NotSupported); ok {
		return fmt.Errorf("unsupported encoding %s", e)
	}
	// Decoding an empty input tells whether the encoding supports the type.
	var err error
	switch l.kind {
	case parquet.Boolean:
		_, err = enc.DecodeBoolean(nil, nil)
	case parquet.Int32:
		_, err = enc.DecodeInt32(nil, nil)
	case parquet.Int64:
		_, err = enc.DecodeInt64(nil, nil)
	case parquet.Int96:
		_, err = enc.DecodeInt96(nil, nil)
	case parquet.Float:
		_, err = enc.DecodeFloat(nil, nil)
	case parquet.Double:
		_, err = enc.DecodeDouble(nil, nil)
	case parquet.ByteArray:
		_, _, err = enc.DecodeByteArray(nil, nil, nil)
	case parquet.FixedLenByteArray:
		_, err = enc.DecodeFixedLenByteArray(nil, nil, max(l.typeLen, 1))
	}
	if errors.Is(err, encoding.ErrNotSupported) {
		return fmt.Errorf("encoding %s cannot hold %s values", e, l.kind)
	}
	return nil
}

// checkCompressedPage checks compressed page data against the uncompressed
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
// which the page limit (ParquetLimits) bounds.
func checkCompressedPage(codec format.CompressionCodec, data []byte, declared int64) error {
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

// decompressPage decompresses page data that checkCompressedPage accepted,
// with parquet-go's codec (as parquet-go will), into buf if it is large enough.
func decompressPage(codec format.CompressionCodec, data []byte, declared int64, buf []byte) ([]byte, error) {
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
// must add up to that length (snappyDecode walks them without decoding).
func checkSnappy(src []byte, declared int64) error {
	if n, k := binary.Uvarint(src); k > 0 && n <= math.MaxUint32 && n != uint64(declared) {
		return fmt.Errorf("its snappy length %d is not the %d bytes its header declares", n, declared)
	}
	_, err := snappyDecode(nil, src)
	return err
}

// checkZstd walks the frames of zstd data: the window must not exceed 128 MiB
// (zstd's own default limit for decoders), and the content sizes of the frames
// must add up to declared. If a frame does not say its content size (as
// parquet-go's writer does for small pages), the data is decompressed, with at
// most declared bytes (or the window, if larger) of memory for the output, and
// must give exactly declared bytes.
func checkZstd(src []byte, declared int64) error {
	bad := errors.New("corrupt zstd data")
	all := src
	var total uint64
	unknown := false // a frame without a content size
	var maxWindow uint64
	for len(src) > 0 {
		if len(src) < 4 {
			return bad
		}
		magic := binary.LittleEndian.Uint32(src)
		if magic&0xFFFFFFF0 == 0x184D2A50 { // skippable frame
			if len(src) < 8 {
				return bad
			}
			n := uint64(binary.LittleEndian.Uint32(src[4:]))
			if n > uint64(len(src)-8) {
				return bad
			}
			src = src[8+n:]
			continue
		}
		if magic != 0xFD2FB528 || len(src) < 5 {
			return bad
		}
		fhd := src[4]
		p := 5
		single := fhd&0x20 != 0
		if fhd&0x08 != 0 {
			return bad
		}
		var window uint64
		if !single {
			if p >= len(src) {
				return bad
			}
			wd := src[p]
			p++
			base := uint64(1) << (10 + uint(wd>>3))
			window = base + base/8*uint64(wd&7)
		}
		p += [4]int{0, 1, 2, 4}[fhd&3]
		fcsSize := [4]int{0, 2, 4, 8}[fhd>>6]
		if fcsSize == 0 && single {
			fcsSize = 1
		}
		if p+fcsSize > len(src) {
			return bad
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
			window = fcs
		}
		if window > 1<<27 {
			return fmt.Errorf("zstd window of %d bytes", window)
		}
		maxWindow = max(maxWindow, window)
		if fcsSize > 0 {
			total += fcs
			if fcs > uint64(declared) || total > uint64(declared) {
				return fmt.Errorf("it decompresses to more than the %d bytes its header declares", declared)
			}
		} else {
			unknown = true
		}
		for {
			if p+3 > len(src) {
				return bad
			}
			bh := uint32(src[p]) | uint32(src[p+1])<<8 | uint32(src[p+2])<<16
			p += 3
			size := int(bh >> 3)
			switch (bh >> 1) & 3 {
			case 0, 2: // raw, compressed
			case 1: // RLE: one byte
				size = 1
			default:
				return bad
			}
			if size > len(src)-p {
				return bad
			}
			p += size
			if bh&1 != 0 {
				break
			}
		}
		if fhd&0x04 != 0 { // checksum
			p += 4
			if p > len(src) {
				return bad
			}
		}
		src = src[p:]
	}
	if !unknown {
		if total != uint64(declared) {
			return fmt.Errorf("it decompresses to %d bytes, not the %d bytes its header declares", total, declared)
		}
		return nil
	}
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

// ---------------------------------------------------------------------------
// Thrift compact protocol validation.

var (
	errThriftEOF = errors.New("unexpected end of data")
	errThrift    = errors.New("malformed thrift data")
)

// thriftCheck walks one thrift compact-protocol struct at the start of b
// without allocating and returns its length in bytes. Every list, set, map
// and binary must fit in the bytes that remain, and structs may nest at most
// 64 deep, so that parquet-go's decoder, which allocates what these lengths
// say before it reads the elements, cannot be made to allocate more than a
// small multiple of len(b).
func thriftCheck(b []byte) (int, error) {
	return thriftCheckStructs(b, -1)
}

// thriftCheckStructs is thriftCheck that also refuses more than maxStructs
// structs in all (-1: no bound): a decoded struct costs parquet-go up to
// about 100 bytes of memory however few bytes encode it.
func thriftCheckStructs(b []byte, maxStructs int) (int, error) {
	w := thriftWalker{b: b, maxStructs: maxStructs}
	if err := w.structure(); err != nil {
		return 0, err
	}
	return w.i, nil
}

// errThriftStructs: a footer with more structs than the bound allows.
var errThriftStructs = errors.New("too many entries")

type thriftWalker struct {
	b          []byte
	i          int
	depth      int
	structs    int
	maxStructs int
}

func (w *thriftWalker) byte() (byte, error) {
	if w.i >= len(w.b) {
		return 0, errThriftEOF
	}
	c := w.b[w.i]
	w.i++
	return c, nil
}

func (w *thriftWalker) uvarint() (uint64, error) {
	var x uint64
	for s := uint(0); s < 70; s += 7 {
		c, err := w.byte()
		if err != nil {
			return 0, err
		}
		x |= uint64(c&0x7f) << s
		if c < 0x80 {
			return x, nil
		}
	}
	return 0, errThrift
}

func (w *thriftWalker) skip(n uint64) error {
	if n > uint64(len(w.b)-w.i) {
		return errThriftEOF
	}
	w.i += int(n)
	return nil
}

func (w *thriftWalker) structure() error {
	if w.depth++; w.depth > 64 {
		return errThrift
	}
	if w.structs++; w.maxStructs >= 0 && w.structs > w.maxStructs {
		return errThriftStructs
	}
	for {
		c, err := w.byte()
		if err != nil {
			return err
		}
		if c == 0 { // STOP
			break
		}
		if c>>4 == 0 { // long form: the field id follows
			if _, err := w.uvarint(); err != nil {
				return err
			}
		}
		if err := w.value(c&0x0f, false); err != nil {
			return err
		}
	}
	w.depth--
	return nil
}

func (w *thriftWalker) value(t byte, inList bool) error {
	switch t {
	case 1, 2: // bool: in a struct the value is in the type; in a list, one byte
		if inList {
			return w.skip(1)
		}
		return nil
	case 3: // byte
		return w.skip(1)
	case 4, 5, 6: // i16, i32, i64
		_, err := w.uvarint()
		return err
	case 7: // double
		return w.skip(8)
	case 8: // binary
		n, err := w.uvarint()
		if err != nil {
			return err
		}
		return w.skip(n)
	case 9, 10: // list, set
		c, err := w.byte()
		if err != nil {
			return err
		}
		n := uint64(c >> 4)
		if n == 15 {
			if n, err = w.uvarint(); err != nil {
				return err
			}
		}
		if n > uint64(len(w.b)-w.i) {
			return errThriftEOF
		}
		et := c & 0x0f
		for range n {
			if err := w.value(et, true); err != nil {
				return err
			}
		}
		return nil
	case 11: // map
		n, err := w.uvarint()
		if err != nil || n == 0 {
			return err
		}
		c, err := w.byte()
		if err != nil {
			return err
		}
		if n > uint64(len(w.b)-w.i)/2 {
			return errThriftEOF
		}
		for range n {
			if err := w.value(c>>4, true); err != nil {
				return err
			}
			if err := w.value(c&0x0f, true); err != nil {
				return err
			}
		}
		return nil
	case 12: // struct
		return w.structure()
	}
	return errThrift
}
