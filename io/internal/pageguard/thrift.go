package pageguard

// Thrift compact protocol validation: a walk of a footer or page header that
// allocates nothing, before parquet-go's decoder allocates what it says.

import (
	"errors"
)

var (
	// ErrThriftEOF: the data ends inside the struct (more bytes may hold it).
	ErrThriftEOF = errors.New("unexpected end of data")
	errThrift    = errors.New("malformed thrift data")
)

// ThriftCheck walks one thrift compact-protocol struct at the start of b
// without allocating and returns its length in bytes. Every list, set, map
// and binary must fit in the bytes that remain, and structs may nest at most
// 64 deep, so that parquet-go's decoder, which allocates what these lengths
// say before it reads the elements, cannot be made to allocate more than a
// small multiple of len(b).
func ThriftCheck(b []byte) (int, error) {
	return ThriftCheckStructs(b, -1)
}

// ThriftCheckStructs is ThriftCheck that also refuses more than maxStructs
// structs in all (-1: no bound): a decoded struct costs parquet-go up to
// about 100 bytes of memory however few bytes encode it.
func ThriftCheckStructs(b []byte, maxStructs int) (int, error) {
	w := thriftWalker{b: b, maxStructs: maxStructs}
	if err := w.structure(); err != nil {
		return 0, err
	}
	return w.i, nil
}

// ErrThriftStructs: more structs than ThriftCheckStructs's bound allows.
var ErrThriftStructs = errors.New("too many entries")

type thriftWalker struct {
	b          []byte
	i          int
	depth      int
	structs    int
	maxStructs int
}

func (w *thriftWalker) byte() (byte, error) {
	if w.i >= len(w.b) {
		return 0, ErrThriftEOF
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
		return ErrThriftEOF
	}
	w.i += int(n)
	return nil
}

func (w *thriftWalker) structure() error {
	if w.depth++; w.depth > 64 {
		return errThrift
	}
	if w.structs++; w.maxStructs >= 0 && w.structs > w.maxStructs {
		return ErrThriftStructs
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
			return ErrThriftEOF
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
			return ErrThriftEOF
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
