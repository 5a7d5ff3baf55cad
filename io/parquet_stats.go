package tableio

// Statistics: the min, max and null count of every column chunk, and the
// column indexes (min and max of every page), as the Parquet format defines
// them: min and max by the sort order of the column's logical type
// (parquet.thrift's ColumnOrder), NaN never among them, none at all for the
// types whose order is undefined (INTERVAL, INT96, the logical types
// parquet-go does not know).
//
// parquet-go computes the statistics it writes from the order of the Go type
// it holds the values in. That order is not always the logical one, and it
// writes some that must not be written:
//
//   - INTERVAL and INT96 get a min and max (their order is undefined; DuckDB's
//     parquet_metadata fails on INTERVAL statistics);
//   - a float chunk holding NaN gets the min and max of its other values, and
//     a page of NaN only gets NaN as its min and max: DuckDB, which orders NaN
//     above every number, then skips row groups that hold NaN for a filter
//     such as x > 1e30 (DuckDB's and parquet-mr's own writers write no min and
//     max for a chunk with a NaN);
//   - the column index of a byte array truncates its max to 16 bytes and adds
//     one to the last byte, which gives a max below the value when the first
//     16 bytes are all 0xFF; a FIXED_LEN_BYTE_ARRAY longer than 16 bytes gets
//     bounds of the wrong length;
//   - page headers get the deprecated min and max fields, defined by signed
//     comparison, filled with the logical order's values, which differ for
//     unsigned integers and byte arrays.
//
// So the rewrite accumulates each output chunk's statistics itself
// (parquetStatsAcc, by the logical order), asks parquet-go for no page header
// statistics where the deprecated fields would be wrong (skipPageStats), and
// rewrites the footer once parquet-go has written it (fixFooter): a chunk's
// statistics are parquet-go's when they agree with ours, ours otherwise, and
// its column index is dropped where it cannot be right. VerifyParquetRewrite
// then checks every statistic and column index written against the values.

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/deprecated"
	"github.com/parquet-go/parquet-go/encoding/thrift"
	"github.com/parquet-go/parquet-go/format"
)

// parquetOrder is the sort order of a leaf's values (parquet.thrift,
// ColumnOrder).
type parquetOrder uint8

const (
	orderNone         parquetOrder = iota // undefined: no min and max are written
	orderBool                             // false < true
	orderSigned                           // signed integers: INT32/INT64, DATE, TIME, TIMESTAMP, INT(n, signed), DECIMAL on them
	orderUnsigned                         // INT(n, unsigned) on INT32/INT64
	orderFloat                            // FLOAT, DOUBLE: by value, NaN outside the order
	orderBytes                            // unsigned byte-wise: BYTE_ARRAY, FIXED_LEN_BYTE_ARRAY, STRING, UUID, ...
	orderDecimalBytes                     // DECIMAL on BYTE_ARRAY/FIXED_LEN_BYTE_ARRAY: signed big-endian two's complement
)

// order returns the sort order of the leaf's values.
func (l *parquetLeaf) order() parquetOrder {
	if l.conv == convNull || l.unknown {
		return orderNone
	}
	if l.elem.ConvertedType.Valid && l.elem.ConvertedType.V == deprecated.Interval {
		return orderNone
	}
	switch l.elem.LogicalType.Value.(type) {
	case *format.GeometryType, *format.GeographyType, *format.VariantType, *format.Float16Type:
		return orderNone
	}
	switch l.kind {
	case parquet.Boolean:
		return orderBool
	case parquet.Int32, parquet.Int64:
		if l.conv == convUint {
			return orderUnsigned
		}
		return orderSigned
	case parquet.Float, parquet.Double:
		return orderFloat
	case parquet.ByteArray, parquet.FixedLenByteArray:
		if l.conv == convDecimal {
			return orderDecimalBytes
		}
		return orderBytes
	}
	return orderNone // INT96
}

// skipPageStats reports whether page headers must carry no statistics for
// the leaf: parquet-go fills their deprecated min and max fields (defined by
// signed comparison) with the values of the logical order, which differ
// but for signed integers and booleans, and writes NaN bounds.
func (l *parquetLeaf) skipPageStats() bool {
	o := l.order()
	return o != orderSigned && o != orderBool
}

// compareStat compares two values in their statistics form (PLAIN, byte
// arrays without a length prefix) by the order o of kind k. Values of the
// wrong size compare as equal to everything: callers check sizes first.
func compareStat(o parquetOrder, k parquet.Kind, a, b []byte) int {
	switch o {
	case orderBool:
		return cmpOrdered(a[0]&1, b[0]&1)
	case orderSigned:
		if k == parquet.Int32 {
			return cmpOrdered(int32(binary.LittleEndian.Uint32(a)), int32(binary.LittleEndian.Uint32(b)))
		}
		return cmpOrdered(int64(binary.LittleEndian.Uint64(a)), int64(binary.LittleEndian.Uint64(b)))
	case orderUnsigned:
		if k == parquet.Int32 {
			return cmpOrdered(binary.LittleEndian.Uint32(a), binary.LittleEndian.Uint32(b))
		}
		return cmpOrdered(binary.LittleEndian.Uint64(a), binary.LittleEndian.Uint64(b))
	case orderFloat:
		x, y := statFloat(k, a), statFloat(k, b)
		switch {
		case x < y:
			return -1
		case x > y:
			return 1
		}
		return 0
	case orderBytes:
		return bytes.Compare(a, b)
	case orderDecimalBytes:
		return compareDecimalBytes(a, b)
	}
	return 0
}

func cmpOrdered[T int32 | int64 | uint32 | uint64 | uint8](a, b T) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func statFloat(k parquet.Kind, b []byte) float64 {
	if k == parquet.Float {
		return float64(math.Float32frombits(binary.LittleEndian.Uint32(b)))
	}
	return math.Float64frombits(binary.LittleEndian.Uint64(b))
}

// compareDecimalBytes compares two big-endian two's complement integers,
// of any lengths.
func compareDecimalBytes(a, b []byte) int {
	negA := len(a) > 0 && a[0]&0x80 != 0
	negB := len(b) > 0 && b[0]&0x80 != 0
	switch {
	case negA && !negB:
		return -1
	case !negA && negB:
		return 1
	}
	pad := byte(0)
	if negA {
		pad = 0xff
	}
	// Sign-extend the shorter one: compare its missing leading bytes as pad.
	for len(a) > len(b) {
		if c := cmpOrdered(a[0], pad); c != 0 {
			return c
		}
		a = a[1:]
	}
	for len(b) > len(a) {
		if c := cmpOrdered(pad, b[0]); c != 0 {
			return c
		}
		b = b[1:]
	}
	return bytes.Compare(a, b)
}

// statSize is the size a statistics value of kind k must have (0: any).
func statSize(k parquet.Kind, typeLen int) int {
	switch k {
	case parquet.Boolean:
		return 1
	case parquet.Int32, parquet.Float:
		return 4
	case parquet.Int64, parquet.Double:
		return 8
	case parquet.Int96:
		return 12
	case parquet.FixedLenByteArray:
		return typeLen
	}
	return 0
}

// parquetStatsAcc accumulates the statistics of a column chunk or a page:
// its nulls, whether it holds a NaN, and the min and max of its other values
// by the leaf's order, in statistics form (min, max), which numbers keep as
// numbers too (lo, hi), to compare them fast.
type parquetStatsAcc struct {
	order    parquetOrder
	kind     parquet.Kind
	nulls    int64
	values   int64 // non-null values
	nan      bool
	has      bool // min and max hold a value
	min, max []byte
	lo, hi   int64   // orderSigned, orderBool; orderUnsigned as uint64 bits
	flo, fhi float64 // orderFloat
}

func newStatsAcc(l *parquetLeaf) parquetStatsAcc {
	return parquetStatsAcc{order: l.order(), kind: l.kind}
}

// reset empties the accumulator, keeping its buffers.
func (s *parquetStatsAcc) reset() {
	s.nulls, s.values, s.nan, s.has = 0, 0, false, false
	s.min, s.max = s.min[:0], s.max[:0]
}

// addValues adds values read or written by parquet-go.
func (s *parquetStatsAcc) addValues(vals []parquet.Value) {
	nulls := int64(0)
	for i := range vals {
		if vals[i].IsNull() {
			nulls++
		}
	}
	s.nulls += nulls
	s.values += int64(len(vals)) - nulls
	switch s.order {
	case orderNone:
	case orderBool:
		for i := range vals {
			if v := &vals[i]; !v.IsNull() {
				s.addInt(int64(b2i(v.Boolean())))
			}
		}
	case orderSigned, orderUnsigned:
		int32s := s.kind == parquet.Int32
		for i := range vals {
			if v := &vals[i]; !v.IsNull() {
				if int32s {
					if s.order == orderSigned {
						s.addInt(int64(v.Int32()))
					} else {
						s.addUint(uint64(uint32(v.Int32())))
					}
				} else if s.order == orderSigned {
					s.addInt(v.Int64())
				} else {
					s.addUint(uint64(v.Int64()))
				}
			}
		}
	case orderFloat:
		for i := range vals {
			if v := &vals[i]; !v.IsNull() {
				if s.kind == parquet.Float {
					s.addFloat(float64(v.Float()))
				} else {
					s.addFloat(v.Double())
				}
			}
		}
	default:
		for i := range vals {
			if v := &vals[i]; !v.IsNull() {
				s.addBytes(v.ByteArray())
			}
		}
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// addRaw adds a non-null value in statistics form.
func (s *parquetStatsAcc) addRaw(b []byte) {
	s.values++
	s.add(b)
}

// add adds a value in statistics form to the min and max.
func (s *parquetStatsAcc) add(b []byte) {
	switch s.order {
	case orderNone:
	case orderBool:
		s.addInt(int64(b[0] & 1))
	case orderSigned:
		if s.kind == parquet.Int32 {
			s.addInt(int64(int32(binary.LittleEndian.Uint32(b))))
		} else {
			s.addInt(int64(binary.LittleEndian.Uint64(b)))
		}
	case orderUnsigned:
		if s.kind == parquet.Int32 {
			s.addUint(uint64(binary.LittleEndian.Uint32(b)))
		} else {
			s.addUint(binary.LittleEndian.Uint64(b))
		}
	case orderFloat:
		s.addFloat(statFloat(s.kind, b))
	default:
		s.addBytes(b)
	}
}

func (s *parquetStatsAcc) addInt(x int64) {
	switch {
	case !s.has:
		s.lo, s.hi, s.has = x, x, true
		s.min, s.max = s.appendInt(s.min[:0], x), s.appendInt(s.max[:0], x)
	case x < s.lo:
		s.lo, s.min = x, s.appendInt(s.min[:0], x)
	case x > s.hi:
		s.hi, s.max = x, s.appendInt(s.max[:0], x)
	}
}

func (s *parquetStatsAcc) addUint(x uint64) {
	switch {
	case !s.has:
		s.lo, s.hi, s.has = int64(x), int64(x), true
		s.min, s.max = s.appendInt(s.min[:0], int64(x)), s.appendInt(s.max[:0], int64(x))
	case x < uint64(s.lo):
		s.lo, s.min = int64(x), s.appendInt(s.min[:0], int64(x))
	case x > uint64(s.hi):
		s.hi, s.max = int64(x), s.appendInt(s.max[:0], int64(x))
	}
}

// appendInt appends x in the statistics form of the kind: one byte for a
// BOOLEAN, 4 bytes for INT32, 8 for INT64.
func (s *parquetStatsAcc) appendInt(dst []byte, x int64) []byte {
	switch s.kind {
	case parquet.Boolean:
		return append(dst, byte(x))
	case parquet.Int32:
		return binary.LittleEndian.AppendUint32(dst, uint32(x))
	}
	return binary.LittleEndian.AppendUint64(dst, uint64(x))
}

func (s *parquetStatsAcc) addFloat(x float64) {
	switch {
	case x != x:
		s.nan = true
	case !s.has:
		s.flo, s.fhi, s.has = x, x, true
		s.min, s.max = s.appendFloat(s.min[:0], x), s.appendFloat(s.max[:0], x)
	case x < s.flo:
		s.flo, s.min = x, s.appendFloat(s.min[:0], x)
	case x > s.fhi:
		s.fhi, s.max = x, s.appendFloat(s.max[:0], x)
	}
}

func (s *parquetStatsAcc) appendFloat(dst []byte, x float64) []byte {
	if s.kind == parquet.Float {
		return binary.LittleEndian.AppendUint32(dst, math.Float32bits(float32(x)))
	}
	return binary.LittleEndian.AppendUint64(dst, math.Float64bits(x))
}

func (s *parquetStatsAcc) addBytes(b []byte) {
	switch {
	case s.order == orderBytes && len(b) > 0 && len(s.min) > 0 && len(s.max) > 0 && b[0] > s.min[0] && b[0] < s.max[0]:
		// Its first byte puts it strictly between min and max.
	case !s.has:
		s.min, s.max, s.has = append(s.min[:0], b...), append(s.max[:0], b...), true
	case compareStat(s.order, s.kind, b, s.min) < 0:
		s.min = append(s.min[:0], b...)
	case compareStat(s.order, s.kind, b, s.max) > 0:
		s.max = append(s.max[:0], b...)
	}
}

// bounds reports whether min and max may be written: the order is defined,
// there is a value, and no NaN.
func (s *parquetStatsAcc) bounds() bool { return s.has && !s.nan && s.order != orderNone }

// merge adds the statistics of t (of the same leaf).
func (s *parquetStatsAcc) merge(t *parquetStatsAcc) {
	s.nulls += t.nulls
	s.values += t.values
	s.nan = s.nan || t.nan
	if t.has {
		s.add(t.min)
		s.add(t.max)
	}
}

// statistics returns the chunk statistics to write, keeping old (what
// parquet-go wrote) when it says the same: so a chunk whose statistics were
// right keeps its bytes.
func (s *parquetStatsAcc) statistics(old format.Statistics) (format.Statistics, bool) {
	if s.sameAs(&old) {
		return old, false
	}
	st := format.Statistics{NullCount: s.nulls}
	if s.bounds() {
		st.MinValue, st.MaxValue = bytes.Clone(s.min), bytes.Clone(s.max)
	}
	return st, true
}

// sameAs reports whether st holds exactly these statistics: the null count,
// and the min and max if they may be written (equal by the order: a float
// min of +0 for -0 is the same), and nothing else.
func (s *parquetStatsAcc) sameAs(st *format.Statistics) bool {
	if st.NullCount != s.nulls || st.Min != nil || st.Max != nil || st.DistinctCount != 0 {
		return false
	}
	if !s.bounds() {
		return st.MinValue == nil && st.MaxValue == nil
	}
	size := len(s.min)
	if s.order == orderBytes || s.order == orderDecimalBytes {
		return bytes.Equal(st.MinValue, s.min) && bytes.Equal(st.MaxValue, s.max) && st.MinValue != nil && st.MaxValue != nil
	}
	return len(st.MinValue) == size && len(st.MaxValue) == len(s.max) &&
		compareStat(s.order, s.kind, st.MinValue, s.min) == 0 && compareStat(s.order, s.kind, st.MaxValue, s.max) == 0
}

// keepColumnIndex reports whether parquet-go's column index of a chunk with
// these statistics can be right: see the file comment.
func (s *parquetStatsAcc) keepColumnIndex(l *parquetLeaf) bool {
	switch {
	case s.order == orderNone || s.nan:
		return false
	case l.kind == parquet.FixedLenByteArray && s.order == orderBytes && l.typeLen > parquetColumnIndexLimit:
		return false
	case l.kind == parquet.ByteArray && s.order == orderBytes && s.has && len(s.max) > parquetColumnIndexLimit &&
		bytes.Count(s.max[:parquetColumnIndexLimit], []byte{0xff}) == parquetColumnIndexLimit:
		// The chunk's max starts with 16 bytes 0xff: a page max that
		// does (any page max longer than 16 bytes starting so is below
		// the chunk's max) gets a truncated max below itself.
		return false
	}
	return true
}

// parquetColumnIndexLimit is the length parquet-go truncates column index
// bounds of byte arrays to (parquet.DefaultColumnIndexSizeLimit).
const parquetColumnIndexLimit = parquet.DefaultColumnIndexSizeLimit

// tailWriter passes bytes through to w, but those written after capture is
// set, which it keeps: the end of the file that parquet-go writes on Close
// (the last data bytes it held, the page index and the footer).
type tailWriter struct {
	w       io.Writer
	n       int64 // bytes passed through
	capture bool
	tail    []byte
}

func (t *tailWriter) Write(b []byte) (int, error) {
	if t.capture {
		t.tail = append(t.tail, b...)
		return len(b), nil
	}
	n, err := t.w.Write(b)
	t.n += int64(n)
	return n, err
}

// fixFooter writes the captured tail to the underlying writer with the
// statistics of every column chunk replaced by stats[g][c] where they differ
// (statistics) and the column indexes that cannot be right dropped
// (keepColumnIndex). The data bytes, the offset indexes and everything else
// in the footer are kept; if nothing changes, the tail is written as it is.
func (t *tailWriter) fixFooter(stats [][]parquetStatsAcc, leaves []*parquetLeaf) error {
	tail := t.tail
	base := t.n // file offset of tail[0]
	if len(tail) < 8 || string(tail[len(tail)-4:]) != "PAR1" {
		return errors.New("the writer did not end the file with a footer")
	}
	footerLen := int64(binary.LittleEndian.Uint32(tail[len(tail)-8:]))
	footerAt := int64(len(tail)) - 8 - footerLen
	if footerAt < 0 {
		return errors.New("the writer's footer is longer than the end of the file held")
	}
	var md format.FileMetaData
	if err := thrift.Unmarshal(&thrift.CompactProtocol{}, tail[footerAt:len(tail)-8], &md); err != nil {
		return fmt.Errorf("decoding the writer's footer: %w", err)
	}
	if len(md.RowGroups) != len(stats) {
		return fmt.Errorf("the writer wrote %d row groups, the rewrite %d", len(md.RowGroups), len(stats))
	}
	changed, drop, indexStart, err := setChunkStats(&md, stats, leaves, base+footerAt)
	if err != nil {
		return err
	}
	if !changed {
		return t.flushTail(tail)
	}
	if indexStart < base {
		return errors.New("the writer's page index starts before the end of the file it held")
	}
	out, err := rebuildPageIndex(&md, drop, tail, base, indexStart, footerAt)
	if err != nil {
		return err
	}
	footer, err := thrift.Marshal(&thrift.CompactProtocol{}, &md)
	if err != nil {
		return fmt.Errorf("encoding the footer: %w", err)
	}
	out = append(out, footer...)
	out = binary.LittleEndian.AppendUint32(out, uint32(len(footer)))
	out = append(out, "PAR1"...)
	return t.flushTail(out)
}

// setChunkStats sets the statistics of every column chunk of md to
// stats[g][c] where they differ (statistics), and marks in drop the column
// indexes that cannot be right (keepColumnIndex). It reports whether the
// footer changed, and the file offset where the page index starts (at most
// footerOff, the footer's).
func setChunkStats(md *format.FileMetaData, stats [][]parquetStatsAcc, leaves []*parquetLeaf, footerOff int64) (changed bool, drop [][]bool, indexStart int64, err error) {
	indexStart = footerOff
	drop = make([][]bool, len(md.RowGroups))
	for g := range md.RowGroups {
		drop[g] = make([]bool, len(md.RowGroups[g].Columns))
		cols := md.RowGroups[g].Columns
		if len(cols) != len(stats[g]) || len(cols) != len(leaves) {
			return false, nil, 0, fmt.Errorf("row group %d: the writer wrote %d columns, the rewrite %d", g, len(cols), len(stats[g]))
		}
		for c := range cols {
			cc := &cols[c]
			s := &stats[g][c]
			if cc.MetaData.NumValues != s.nulls+s.values {
				return false, nil, 0, fmt.Errorf("row group %d, column %d: the writer wrote %d values, the rewrite %d", g, c, cc.MetaData.NumValues, s.nulls+s.values)
			}
			var ch bool
			cc.MetaData.Statistics, ch = s.statistics(cc.MetaData.Statistics)
			changed = changed || ch
			if cc.ColumnIndexLength > 0 {
				indexStart = min(indexStart, cc.ColumnIndexOffset)
				if !s.keepColumnIndex(leaves[c]) {
					changed, drop[g][c] = true, true
				}
			}
			if cc.OffsetIndexLength > 0 {
				indexStart = min(indexStart, cc.OffsetIndexOffset)
			}
		}
	}
	return changed, drop, indexStart, nil
}

// rebuildPageIndex returns the tail (which starts at file offset base, its
// footer at tail[footerAt]) up to the page index at indexStart, followed by
// the column indexes not dropped, then the offset indexes (their bytes
// unchanged), and sets their new offsets in md.
func rebuildPageIndex(md *format.FileMetaData, drop [][]bool, tail []byte, base, indexStart, footerAt int64) ([]byte, error) {
	out := make([]byte, 0, len(tail))
	out = append(out, tail[:indexStart-base]...)
	section := func(off int64, n int32) ([]byte, error) {
		lo, hi := off-base, off-base+int64(n)
		if lo < indexStart-base || hi > footerAt {
			return nil, errors.New("a page index entry of the writer lies outside its page index")
		}
		return tail[lo:hi], nil
	}
	for g := range md.RowGroups {
		for c := range md.RowGroups[g].Columns {
			cc := &md.RowGroups[g].Columns[c]
			if drop[g][c] {
				cc.ColumnIndexOffset, cc.ColumnIndexLength = 0, 0
				continue
			}
			if cc.ColumnIndexLength > 0 {
				b, err := section(cc.ColumnIndexOffset, cc.ColumnIndexLength)
				if err != nil {
					return nil, err
				}
				cc.ColumnIndexOffset = base + int64(len(out))
				out = append(out, b...)
			}
		}
	}
	for g := range md.RowGroups {
		for c := range md.RowGroups[g].Columns {
			cc := &md.RowGroups[g].Columns[c]
			if cc.OffsetIndexLength > 0 {
				b, err := section(cc.OffsetIndexOffset, cc.OffsetIndexLength)
				if err != nil {
					return nil, err
				}
				cc.OffsetIndexOffset = base + int64(len(out))
				out = append(out, b...)
			}
		}
	}
	return out, nil
}

func (t *tailWriter) flushTail(b []byte) error {
	t.capture = false
	_, err := t.Write(b)
	return err
}

// statsSkip is an output column whose pages carry no statistics.
type statsSkip struct {
	path     []string
	noBounds bool // nor does parquet-go compute their bounds
}

// appendedLeaf describes the appended column (an optional string) as a leaf
// of the output.
func appendedLeaf(name string, index int) *parquetLeaf {
	return &parquetLeaf{index: index, name: name, kind: parquet.ByteArray, maxDef: 1, flat: true, conv: convText,
		elem: &format.SchemaElement{Name: name, LogicalType: format.LogicalType{Value: &format.StringType{}}}}
}

// outputLeaves returns the leaf of each output column: the input's, minus
// the dropped one, plus the appended one.
func (x *parquetRewriter) outputLeaves() []*parquetLeaf {
	var out []*parquetLeaf
	for _, c := range x.outputSources() {
		if c < 0 {
			out = append(out, appendedLeaf(x.appendName, len(out)))
		} else {
			out = append(out, x.p.leaves[c])
		}
	}
	return out
}

// initStats prepares the statistics of every output column chunk, and the
// digests of what is read from every input chunk.
func (x *parquetRewriter) initStats() {
	x.outLeaves = x.outputLeaves()
	x.stats = make([][]parquetStatsAcc, len(x.p.meta.RowGroups))
	x.reads = make([][]valueDigest, len(x.p.meta.RowGroups))
	for g := range x.stats {
		x.stats[g] = make([]parquetStatsAcc, len(x.outLeaves))
		for c, l := range x.outLeaves {
			x.stats[g][c] = newStatsAcc(l)
		}
		x.reads[g] = make([]valueDigest, len(x.p.leaves))
		for c := range x.reads[g] {
			x.reads[g][c] = newValueDigest()
		}
	}
}
