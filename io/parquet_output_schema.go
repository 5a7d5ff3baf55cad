package tableio

// The schema of a rewrite's output: the input's own nodes, wrapped so that
// parquet-go keeps their order, annotations, encodings and codecs.

import (
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress"
	"github.com/parquet-go/parquet-go/deprecated"
	"github.com/parquet-go/parquet-go/encoding"
	"github.com/parquet-go/parquet-go/format"
)

// outputSchema builds the schema of the output: the file's own nodes (wrapped
// so that parquet-go keeps their order, annotations, encodings and codecs),
// minus the dropped column (and the columns x.only leaves out, if set), plus
// the appended one. It also returns the
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
		if x.only != nil && !(c.Leaf() && x.only[c.Index()]) {
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
