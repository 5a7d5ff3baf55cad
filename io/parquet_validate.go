package tableio

// Validation of a file's metadata before parquet-go uses it: the schema tree,
// the types and their annotations, and the place and codec of every column
// chunk.

import (
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/deprecated"
	"github.com/parquet-go/parquet-go/format"
)

// validateParquetMeta checks the file metadata before parquet-go uses it:
// the schema tree, the types, and that every column chunk lies inside the file
// and uses a codec parquet-go can read.
func validateParquetMeta(md *format.FileMetaData, dataEnd int64) error {
	if md.EncryptionAlgorithm.Value != nil || len(md.FooterSigningKeyMetadata) > 0 {
		return errors.New("encrypted Parquet files are not supported")
	}
	leafTypes, leafNames, err := validateSchema(md.Schema)
	if err != nil {
		return err
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
			if err := validateColumnChunk(&rg.Columns[c], leafTypes[c], dataEnd); err != nil {
				return fmt.Errorf("column %s: row group %d: %w", leafNames[c], g, err)
			}
		}
	}
	if md.NumRows != total {
		return fmt.Errorf("invalid Parquet file (the footer says %d rows, the row groups hold %d)", md.NumRows, total)
	}
	return nil
}

// validateSchema checks the schema tree (a root group, every group with
// children, at most 64 levels deep, no element left over) and every leaf's
// type (validateLeaf); it returns the physical type and the dotted name of
// each leaf.
func validateSchema(schema []format.SchemaElement) ([]format.Type, []string, error) {
	if len(schema) == 0 {
		return nil, nil, errors.New("invalid Parquet file (the schema is empty)")
	}
	if schema[0].Type.Valid {
		return nil, nil, errors.New("invalid Parquet file (the schema root is not a group)")
	}
	if !schema[0].NumChildren.Valid || schema[0].NumChildren.V <= 0 {
		return nil, nil, errors.New("invalid Parquet file (the schema has no columns)")
	}
	w := schemaWalk{schema: schema}
	if err := w.walk(nil, 0); err != nil {
		return nil, nil, err
	}
	if w.next != len(schema) {
		return nil, nil, fmt.Errorf("invalid Parquet file (%d schema elements do not belong to the schema tree)", len(schema)-w.next)
	}
	return w.types, w.names, nil
}

// schemaWalk walks the schema elements, which list the tree depth first.
type schemaWalk struct {
	schema []format.SchemaElement
	next   int           // the next element
	types  []format.Type // of the leaves so far
	names  []string      // of the leaves so far
}

// walk checks the element w.next (at depth, below path) and its children.
func (w *schemaWalk) walk(path []string, depth int) error {
	if w.next >= len(w.schema) {
		return errors.New("invalid Parquet file (the schema tree is truncated)")
	}
	if depth > 64 {
		return errors.New("invalid Parquet file (the schema is nested more than 64 levels deep)")
	}
	e := &w.schema[w.next]
	w.next++
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
		if err := validateLeaf(e, name); err != nil {
			return err
		}
		w.types = append(w.types, e.Type.V)
		w.names = append(w.names, name)
		return nil
	}
	if !e.NumChildren.Valid || e.NumChildren.V <= 0 {
		if depth == 0 {
			return errors.New("invalid Parquet file (the schema has no columns)")
		}
		return fmt.Errorf("unsupported Parquet file (group %s has no columns)", name)
	}
	if int(e.NumChildren.V) > len(w.schema)-w.next {
		return fmt.Errorf("invalid Parquet file (group %q claims %d children, more than the schema holds)", name, e.NumChildren.V)
	}
	for range e.NumChildren.V {
		if err := w.walk(path, depth+1); err != nil {
			return err
		}
	}
	return nil
}

// validateLeaf checks a leaf element: no children, a known physical type
// (FIXED_LEN_BYTE_ARRAY with a valid length), and annotations that type can
// carry, with valid parameters.
func validateLeaf(e *format.SchemaElement, name string) error {
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
	return nil
}

// validateColumnChunk checks a column chunk's metadata: in this file, not
// encrypted, of its leaf's type, with a codec parquet-go reads, and its pages
// (from the dictionary page, if any) before the footer at dataEnd.
func validateColumnChunk(cc *format.ColumnChunk, leafType format.Type, dataEnd int64) error {
	m := &cc.MetaData
	if cc.FilePath != "" {
		return fmt.Errorf("unsupported Parquet file (the data is in another file, %q)", cc.FilePath)
	}
	if cc.CryptoMetadata.Value != nil || len(cc.EncryptedColumnMetadata) > 0 {
		return errors.New("encrypted Parquet columns are not supported")
	}
	if m.Type != leafType {
		return fmt.Errorf("invalid Parquet file (the chunk holds %s values, the schema says %s)", m.Type, leafType)
	}
	switch m.Codec {
	case format.Uncompressed, format.Snappy, format.Gzip, format.Brotli, format.Zstd, format.Lz4Raw:
	default:
		return fmt.Errorf("unsupported compression codec %s", m.Codec)
	}
	if m.NumValues < 0 {
		return fmt.Errorf("invalid Parquet file (%d values)", m.NumValues)
	}
	start := m.DataPageOffset
	if m.DictionaryPageOffset != 0 {
		if m.DictionaryPageOffset < 4 || m.DictionaryPageOffset > m.DataPageOffset {
			return fmt.Errorf("corrupt Parquet metadata (dictionary page offset %d)", m.DictionaryPageOffset)
		}
		start = m.DictionaryPageOffset
	}
	if m.DataPageOffset < 4 || m.DataPageOffset >= dataEnd {
		return fmt.Errorf("corrupt Parquet metadata (data page offset %d outside the file's %d data bytes)", m.DataPageOffset, dataEnd)
	}
	if m.TotalCompressedSize <= 0 || m.TotalCompressedSize > dataEnd-start {
		return fmt.Errorf("truncated or corrupt Parquet file (the column chunk of %d bytes at offset %d does not fit before the footer at %d)", m.TotalCompressedSize, start, dataEnd)
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
