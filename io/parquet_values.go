package tableio

// The text form of Parquet values (ParquetText) and its inverse
// (parquetValueFromText): how pass 1 reads a cell as text and how a rewrite
// turns text back into a value of the column's type.

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/deprecated"
	"github.com/parquet-go/parquet-go/format"
)

// ---------------------------------------------------------------------------
// Text form of values.

// ParquetText returns the text form of a value of the column, "what a CSV
// would hold" (nil for a null):
//
//   - BOOLEAN: "true" or "false";
//   - INT32, INT64: the decimal integer, unsigned for the unsigned INT(n)
//     logical types; DATE is the number of days since 1970-01-01, TIME and
//     TIMESTAMP the integer in their unit;
//   - INT96 (the legacy Impala/Spark timestamp): the number of nanoseconds since
//     1970-01-01T00:00:00, as a decimal integer;
//   - FLOAT, DOUBLE: strconv.FormatFloat(x, 'g', -1, bits);
//   - DECIMAL (any physical type): the exact decimal with its scale, e.g.
//     12345 with scale 2 is "123.45", -5 with scale 2 is "-0.05";
//   - STRING, ENUM, JSON: the bytes;
//   - other binary (no logical type, BSON, UUID, FLOAT16, INTERVAL...): the
//     bytes if they are valid UTF-8 and do not start with "0x", else "0x"
//     followed by their lowercase hex digits.
//
// parquetValueFromText is the inverse.
func ParquetText(v parquet.Value, col ParquetColumn) []byte {
	if v.IsNull() {
		return nil
	}
	l := col.leaf
	if l == nil {
		l = &parquetLeaf{kind: v.Kind()}
		l.setPhysical(v.Kind())
	}
	return appendParquetText(nil, v, l)
}

// unixEpochJulianDay is the Julian day number of 1970-01-01.
const unixEpochJulianDay = 2440588

const nanosPerDay = 86400 * 1_000_000_000

func appendParquetText(dst []byte, v parquet.Value, l *parquetLeaf) []byte {
	if v.IsNull() {
		return dst
	}
	switch l.conv {
	case convBool:
		return strconv.AppendBool(dst, v.Boolean())
	case convInt:
		if v.Kind() == parquet.Int32 {
			return strconv.AppendInt(dst, int64(v.Int32()), 10)
		}
		return strconv.AppendInt(dst, v.Int64(), 10)
	case convUint:
		if v.Kind() == parquet.Int32 {
			return strconv.AppendUint(dst, uint64(uint32(v.Int32())), 10)
		}
		return strconv.AppendUint(dst, uint64(v.Int64()), 10)
	case convInt96:
		return int96Nanos(v.Int96()).Append(dst, 10)
	case convFloat:
		return strconv.AppendFloat(dst, float64(v.Float()), 'g', -1, 32)
	case convDouble:
		return strconv.AppendFloat(dst, v.Double(), 'g', -1, 64)
	case convText:
		return append(dst, v.ByteArray()...)
	case convDecimal:
		switch v.Kind() {
		case parquet.Int32:
			return appendDecimal(dst, strconv.AppendInt(nil, int64(v.Int32()), 10), l.scale)
		case parquet.Int64:
			return appendDecimal(dst, strconv.AppendInt(nil, v.Int64(), 10), l.scale)
		default:
			return appendDecimal(dst, []byte(twosComplement(v.ByteArray()).String()), l.scale)
		}
	}
	// convBinary and anything else.
	var b []byte
	switch v.Kind() {
	case parquet.ByteArray, parquet.FixedLenByteArray:
		b = v.ByteArray()
	default:
		b = v.Bytes()
	}
	if utf8.Valid(b) && !bytes.HasPrefix(b, []byte("0x")) {
		return append(dst, b...)
	}
	dst = append(dst, "0x"...)
	return hex.AppendEncode(dst, b)
}

// int96Nanos returns an INT96 timestamp (8 bytes of nanoseconds within the
// day, then 4 bytes of Julian day, little-endian) as nanoseconds since the
// Unix epoch.
func int96Nanos(x deprecated.Int96) *big.Int {
	nanos := int64(uint64(x[1])<<32 | uint64(x[0]))
	days := int64(x[2]) - unixEpochJulianDay
	n := big.NewInt(days)
	n.Mul(n, big.NewInt(nanosPerDay))
	return n.Add(n, big.NewInt(nanos))
}

// twosComplement decodes a big-endian two's complement integer.
func twosComplement(b []byte) *big.Int {
	n := new(big.Int).SetBytes(b)
	if len(b) > 0 && b[0]&0x80 != 0 {
		n.Sub(n, new(big.Int).Lsh(big.NewInt(1), uint(8*len(b))))
	}
	return n
}

// appendDecimal appends the decimal integer digits (with an optional leading
// "-") with a decimal point scale digits from the right.
func appendDecimal(dst, digits []byte, scale int) []byte {
	if scale <= 0 {
		return append(dst, digits...)
	}
	if len(digits) > 0 && digits[0] == '-' {
		dst = append(dst, '-')
		digits = digits[1:]
	}
	if len(digits) <= scale {
		dst = append(dst, '0', '.')
		for range scale - len(digits) {
			dst = append(dst, '0')
		}
		return append(dst, digits...)
	}
	dst = append(dst, digits[:len(digits)-scale]...)
	dst = append(dst, '.')
	return append(dst, digits[len(digits)-scale:]...)
}

// parquetValueFromText parses the text form of a value (see ParquetText) into
// the column's own physical and logical type.
func parquetValueFromText(text string, l *parquetLeaf) (parquet.Value, error) {
	v, ok := valueFromText(text, l)
	if !ok {
		return parquet.Value{}, fmt.Errorf("value %q does not fit column %s (%s)", text, l.name, l.desc)
	}
	return v, nil
}

func valueFromText(text string, l *parquetLeaf) (parquet.Value, bool) {
	num := strings.TrimSpace(text)
	switch l.conv {
	case convBool:
		b, err := strconv.ParseBool(num)
		return parquet.BooleanValue(b), err == nil
	case convInt:
		x, err := strconv.ParseInt(num, 10, l.bits)
		if err != nil {
			return parquet.Value{}, false
		}
		if l.kind == parquet.Int32 {
			return parquet.Int32Value(int32(x)), true
		}
		return parquet.Int64Value(x), true
	case convUint:
		x, err := strconv.ParseUint(num, 10, l.bits)
		if err != nil {
			return parquet.Value{}, false
		}
		if l.kind == parquet.Int32 {
			return parquet.Int32Value(int32(uint32(x))), true
		}
		return parquet.Int64Value(int64(x)), true
	case convInt96:
		n, ok := new(big.Int).SetString(num, 10)
		if !ok {
			return parquet.Value{}, false
		}
		days, nanos := new(big.Int).DivMod(n, big.NewInt(nanosPerDay), new(big.Int)) // Euclidean: 0 <= nanos < nanosPerDay
		days.Add(days, big.NewInt(unixEpochJulianDay))
		if days.Sign() < 0 || days.Cmp(big.NewInt(math.MaxUint32)) > 0 {
			return parquet.Value{}, false
		}
		ns := nanos.Uint64()
		return parquet.Int96Value(deprecated.Int96{uint32(ns), uint32(ns >> 32), uint32(days.Uint64())}), true
	case convFloat:
		x, err := strconv.ParseFloat(num, 32)
		return parquet.FloatValue(float32(x)), err == nil
	case convDouble:
		x, err := strconv.ParseFloat(num, 64)
		return parquet.DoubleValue(x), err == nil
	case convDecimal:
		return decimalFromText(num, l)
	case convNull:
		return parquet.Value{}, false
	}
	// Text and binary.
	b := []byte(text)
	if l.conv == convBinary && strings.HasPrefix(text, "0x") {
		if h, err := hex.DecodeString(text[2:]); err == nil {
			b = h
		}
	}
	switch l.kind {
	case parquet.ByteArray:
		return parquet.ByteArrayValue(b), true
	case parquet.FixedLenByteArray:
		if len(b) != l.typeLen {
			return parquet.Value{}, false
		}
		return parquet.FixedLenByteArrayValue(b), true
	}
	return parquet.Value{}, false
}

// decimalFromText parses [+-]digits[.digits] into the unscaled integer of a
// DECIMAL column. Digits beyond the scale must be zeros; the number of digits
// must fit the precision and the value the physical type.
func decimalFromText(s string, l *parquetLeaf) (parquet.Value, bool) {
	neg := false
	if s != "" && (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-'
		s = s[1:]
	}
	intPart, frac, hasPoint := strings.Cut(s, ".")
	if intPart == "" && frac == "" || !allDigits(intPart) || !allDigits(frac) || hasPoint && frac == "" && intPart == "" {
		return parquet.Value{}, false
	}
	if len(frac) > l.scale {
		if strings.Trim(frac[l.scale:], "0") != "" {
			return parquet.Value{}, false
		}
		frac = frac[:l.scale]
	}
	digits := strings.TrimLeft(intPart+frac+strings.Repeat("0", l.scale-len(frac)), "0")
	if l.precision > 0 && len(digits) > l.precision {
		return parquet.Value{}, false
	}
	if digits == "" {
		digits = "0"
	}
	n, ok := new(big.Int).SetString(digits, 10)
	if !ok {
		return parquet.Value{}, false
	}
	if neg {
		n.Neg(n)
	}
	switch l.kind {
	case parquet.Int32:
		if !n.IsInt64() || n.Int64() < math.MinInt32 || n.Int64() > math.MaxInt32 {
			return parquet.Value{}, false
		}
		return parquet.Int32Value(int32(n.Int64())), true
	case parquet.Int64:
		if !n.IsInt64() {
			return parquet.Value{}, false
		}
		return parquet.Int64Value(n.Int64()), true
	case parquet.ByteArray:
		size := (n.BitLen() + 8) / 8 // room for the sign bit
		b, ok := bigToTwosComplement(n, size)
		if !ok {
			return parquet.Value{}, false
		}
		return parquet.ByteArrayValue(b), true
	case parquet.FixedLenByteArray:
		b, ok := bigToTwosComplement(n, l.typeLen)
		if !ok {
			return parquet.Value{}, false
		}
		return parquet.FixedLenByteArrayValue(b), true
	}
	return parquet.Value{}, false
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// bigToTwosComplement encodes n as a big-endian two's complement integer of
// size bytes, if it fits.
func bigToTwosComplement(n *big.Int, size int) ([]byte, bool) {
	if size <= 0 {
		return nil, false
	}
	limit := new(big.Int).Lsh(big.NewInt(1), uint(8*size-1))
	if n.Cmp(limit) >= 0 || n.Cmp(new(big.Int).Neg(limit)) < 0 {
		return nil, false
	}
	x := new(big.Int).Set(n)
	if x.Sign() < 0 {
		x.Add(x, new(big.Int).Lsh(big.NewInt(1), uint(8*size)))
	}
	return x.FillBytes(make([]byte, size)), true
}

// leafLogicalType is a leaf's logical type: the schema element's, else the
// one parquet-go derives from its converted type (nil if neither).
func leafLogicalType(elem *format.SchemaElement, typ parquet.Type) format.LogicalTypeValue {
	if elem.LogicalType.Value != nil {
		return elem.LogicalType.Value
	}
	if d := typ.LogicalType(); d != nil {
		return d.Value
	}
	return nil
}

// ---------------------------------------------------------------------------
// Label values.
//
// A label column is compared and written as text: flip reads each label
// cell's text form (ParquetText), compares it with --positive and
// --negative, and writes the first --positive value back through
// parquetValueFromText. That is only sound for the types whose text form is
// the way people write their values.

// ParquetLabelType returns nil when column c can hold labels: a flat column
// of type BOOLEAN, an integer (INT32, INT64 or INT(n), signed or not),
// FLOAT, DOUBLE, DECIMAL, STRING, ENUM or JSON, or BYTE_ARRAY or
// FIXED_LEN_BYTE_ARRAY without a logical type. It refuses the other types
// (TIMESTAMP, DATE, TIME, INTERVAL, UUID, FLOAT16, the legacy INT96
// timestamp, BSON...): their text form (a count of days or microseconds,
// raw bytes) is not how anyone writes them, so a label given on the command
// line would never match, or be written as something else.
func ParquetLabelType(c ParquetColumn) error {
	l := c.leaf
	if l == nil {
		return fmt.Errorf("column %s is not a column of an open Parquet file", c.Name)
	}
	if !l.flat {
		return fmt.Errorf("column %s is nested or repeated (%s): a label must be a flat column", l.name, l.desc)
	}
	if !labelTypeOK(l) {
		return fmt.Errorf("column %s is %s: fairflip reads labels of type BOOLEAN, integer, FLOAT, DOUBLE, DECIMAL or text (STRING, ENUM, JSON, plain BYTE_ARRAY), and not of this type; convert the label column to one of those", l.name, l.desc)
	}
	return nil
}

func labelTypeOK(l *parquetLeaf) bool {
	switch l.conv {
	case convInt96, convNull:
		return false
	}
	switch leafLogicalType(l.elem, l.col.Type()).(type) {
	case nil:
	case *format.IntType, *format.DecimalType, *format.StringType, *format.EnumType, *format.JsonType:
		return true
	default:
		return false
	}
	if l.elem.ConvertedType.Valid {
		switch l.elem.ConvertedType.V {
		case deprecated.Date, deprecated.TimeMillis, deprecated.TimeMicros, deprecated.TimestampMillis,
			deprecated.TimestampMicros, deprecated.Interval, deprecated.Bson, deprecated.Map,
			deprecated.MapKeyValue, deprecated.List:
			return false
		}
	}
	return true
}

// ParquetValueForm describes, for messages, how the values of column c are
// written as text: "true or false", "an integer from -128 to 127", ...
func ParquetValueForm(c ParquetColumn) string {
	l := c.leaf
	if l == nil {
		return "a value of the column"
	}
	switch l.conv {
	case convBool:
		return "true or false (in lower case)"
	case convInt:
		return fmt.Sprintf("an integer from %d to %d", int64(-1)<<(l.bits-1), uint64(1)<<(l.bits-1)-1)
	case convUint:
		return fmt.Sprintf("an integer from 0 to %d", uint64(math.MaxUint64)>>(64-l.bits))
	case convFloat, convDouble:
		return "a finite number, such as 1 or 0.5"
	case convDecimal:
		if l.scale == 0 {
			return fmt.Sprintf("an integer of at most %d digits", l.precision)
		}
		return fmt.Sprintf("a number of at most %d digits, at most %d of them after the decimal point", l.precision, l.scale)
	case convText:
		return "text (valid UTF-8)"
	case convBinary:
		if l.kind == parquet.FixedLenByteArray {
			return fmt.Sprintf("text of exactly %d bytes, or 0x and %d hex digits", l.typeLen, 2*l.typeLen)
		}
		return "text, or 0x and hex digits"
	}
	return "a value of the column"
}

// ParquetCanonical converts text into a value of column c exactly as a
// rewrite would (see ParquetRewrite.Set) and returns that value's text form
// (ParquetText). It fails when the text is no value of the column, and, for
// a STRING, ENUM or JSON column, when it is not valid UTF-8.
func ParquetCanonical(c ParquetColumn, text string) (string, error) {
	l := c.leaf
	if l == nil {
		return "", fmt.Errorf("column %s is not a column of an open Parquet file", c.Name)
	}
	v, ok := valueFromText(text, l)
	if ok && l.conv == convText && !utf8.ValidString(text) {
		return "", fmt.Errorf("%q is not valid UTF-8, which column %s (%s) requires", text, l.name, l.desc)
	}
	if !ok {
		return "", valueFormError(text, l)
	}
	return string(appendParquetText(nil, v, l)), nil
}

// ParquetLabelValue checks a label value given on the command line against
// label column c (ParquetLabelType) and returns its text form as pass 1
// reads it from the column. It is stricter than ParquetCanonical: a BOOLEAN
// is true or false, nothing else (not 1, yes or TRUE); a FLOAT or DOUBLE is
// finite.
func ParquetLabelValue(c ParquetColumn, text string) (string, error) {
	if err := ParquetLabelType(c); err != nil {
		return "", err
	}
	l := c.leaf
	switch l.conv {
	case convBool:
		if text != "true" && text != "false" {
			return "", valueFormError(text, l)
		}
	case convFloat, convDouble:
		x, err := strconv.ParseFloat(strings.TrimSpace(text), 64)
		if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
			return "", valueFormError(text, l)
		}
	}
	return ParquetCanonical(c, text)
}

func valueFormError(text string, l *parquetLeaf) error {
	return fmt.Errorf("%q is not a value of column %s (%s), which takes %s", text, l.name, l.desc, ParquetValueForm(l.column()))
}
