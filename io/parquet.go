package tableio

// Parquet support: read the few columns a caller needs as text cells (pass 1),
// then rewrite the file with some cells changed, an audit column appended or a
// column dropped (pass 2), keeping everything else: the columns, their order,
// physical and logical types, repetition, field ids, the codec of each column,
// dictionary encoding, the row group sizes and the key/value metadata.
//
// The reading and writing are done by github.com/parquet-go/parquet-go, but
// for the column chunks a rewrite does not change, which it copies as bytes
// (parquet_splice.go). That
// library trusts the sizes written in a file: a corrupt footer or page header
// can make it allocate gigabytes, loop, or panic. So before parquet-go sees any
// part of a file, this package validates it: the footer and every page header are
// walked without allocating (pageguard.ThriftCheck), the metadata is checked for
// consistency (offsets inside the file, supported codecs and encodings, types
// that agree with the schema), and the compressed bytes of every page are
// checked against the size the page header declares. Every exported function
// also recovers from a panic inside parquet-go and turns it into an error that
// names the file (and the column and row group where known), as a last line of
// defence.

import (
	"bytes"
	"fmt"
	"io"
	"runtime/debug"
	"strings"
	"sync"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"
)

// DefaultParquetMaxPageBytes is the default bound on the compressed and
// uncompressed size that one page header may declare (ParquetLimits).
//
// parquet-go allocates the uncompressed size a page header declares before it
// decompresses the page (1.25 to 2.5 times that size, counting its buffers), so
// this bound is also the memory that one lying page header can cost; the
// checks of pageguard.CheckCompressedPage refuse most lies before that (see there). Real
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
// parquetMaxPageValues bounds the number of values (nulls included) of one
// page (parquetSeams.maxPageValues lowers it in tests).
const parquetMaxPageValues int64 = 1 << 27

// parquetSeams are the tests' seams of a ParquetFile, set when it is opened
// (openParquetSeams); the zero value is fairflip's own behaviour.
type parquetSeams struct {
	// panics lets panics inside parquet-go through instead of turning them
	// into errors: the fuzz tests turn the recovery off to find them.
	panics bool
	// byRows forces the row-wise rewrite (tests compare the two).
	byRows bool
	// noSplice forces the rewrite that encodes every chunk (the column-wise
	// one where it applies) instead of the splice (parquet_splice.go).
	noSplice bool
	// workers is the number of goroutines of the column-wise rewrite (0:
	// GOMAXPROCS).
	workers int
	// maxPageValues bounds the values of one page (0: parquetMaxPageValues),
	// so that a fuzzed size cannot make the fuzzer allocate much.
	maxPageValues int64
}

// recover reports whether panics are turned into errors (see panics).
func (s parquetSeams) recover() bool { return !s.panics }

// pageValues is the bound on the number of values of one page.
func (s parquetSeams) pageValues() int64 {
	if s.maxPageValues > 0 {
		return s.maxPageValues
	}
	return parquetMaxPageValues
}

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
	io           *ioReader

	mu     sync.Mutex
	checks map[[2]int]*parquetChunkCheck // (row group, leaf) → result of checkChunk

	// pageHook, when set (by tests only), sees every page parquet-go
	// decodes before its values are used: a stand-in for a decoder bug.
	pageHook func(g, col int, page parquet.Page)

	// reads holds, after a RewriteParquet, the digest of the values that
	// parquet-go read from each chunk (by row group and leaf), for
	// VerifyParquetRewrite to compare with its own reading.
	reads [][]valueDigest
	// copied holds, after a RewriteParquet that spliced, the chunks copied
	// as bytes (by row group and leaf), which VerifyParquetRewrite checks by
	// their bytes; nil if the rewrite encoded every chunk.
	copied [][]bool
	seams  parquetSeams // tests only
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

// parquetLeaf is what this package knows about a leaf column.
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
// the row group (when known): ErrMalformed when a library (parquet-go, a
// codec) panicked on the file's content, ErrInternal when fairflip's own
// code did (with the stack, for the report). It must be called directly by
// a deferred function literal.
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
	if panicInFairflip() {
		*err = withKind(ErrInternal, fmt.Errorf("%s: a panic in fairflip's code while reading the file%s: %v\n%s", name, where.String(), r, debug.Stack()))
		return
	}
	*err = withKind(ErrMalformed, fmt.Errorf("%s: invalid Parquet file (%v)%s", name, r, where.String()))
}
