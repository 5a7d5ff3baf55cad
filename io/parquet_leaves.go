package tableio

// The leaves of the schema: what the rest of the package needs to know about
// each leaf column (its levels, its type and how its values become text), and
// the human description of its type.

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/fairflip/fairflip/io/internal/pageguard"
	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/deprecated"
	"github.com/parquet-go/parquet-go/format"
)

// buildLeaves walks parquet-go's column tree beside the schema elements and
// records what the rest of this package needs about every leaf.
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

// newParquetLeaf describes leaf column c (schema element elem), the
// index-th leaf, of dotted name name. It refuses the types parquet-go
// cannot read.
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
	l.setConv(phys, lt)
	return l, nil
}

// setPhysical sets how values of the physical type k are turned into
// text, before any logical type.
func (l *parquetLeaf) setPhysical(k parquet.Kind) {
	switch k {
	case parquet.Boolean:
		l.conv = convBool
	case parquet.Int32:
		l.conv, l.bits = convInt, 32
	case parquet.Int64:
		l.conv, l.bits = convInt, 64
	case parquet.Int96:
		l.conv = convInt96
	case parquet.Float:
		l.conv = convFloat
	case parquet.Double:
		l.conv = convDouble
	default:
		l.conv = convBinary
	}
}

// setConv sets how the leaf's values are turned into text and back, from
// its physical type phys and its logical type lt (or its converted type).
func (l *parquetLeaf) setConv(phys format.Type, lt format.LogicalTypeValue) {
	elem := l.elem
	l.setPhysical(parquet.Kind(phys))
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
}

// guard is what the page guards need to know about the leaf.
func (l *parquetLeaf) guard() pageguard.Column {
	return pageguard.Column{Kind: l.kind, TypeLen: l.typeLen, MaxDef: l.maxDef, MaxRep: l.maxRep, Null: l.conv == convNull}
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
