package tableio

import (
	"errors"
	"fmt"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// JSON Lines (https://jsonlines.org): one JSON object per line. This file
// parses one line into its members, keeping every member's byte span, so
// that a rewrite can change one value's bytes and keep every other byte
// (whitespace, key order, the spelling of numbers and escapes).
//
// The rules: a line is one JSON object (RFC 8259), UTF-8, with no key
// twice; whitespace around it is kept; an empty or blank line is refused
// (the file's last line may end with a line break or not). Values are
// strings, numbers, true, false and null (null is a missing value); an
// object or array is carried through untouched, in a column fairflip does
// not read.

// JSONL is the JSON Lines format's name.
const JSONL Format = "jsonl"

// jsonKind is a JSON value's type.
type jsonKind uint8

const (
	jString jsonKind = iota
	jNumber
	jBool
	jNull
	jObject
	jArray
)

func (k jsonKind) String() string {
	return [...]string{"a string", "a number", "a boolean", "null", "an object", "an array"}[k]
}

// jsonMember is one member of a line's object: the spans of its key (with
// its quotes) and value, in the line's bytes.
type jsonMember struct {
	keyStart, keyEnd int
	valStart, valEnd int
	kind             jsonKind
	keyEsc, valEsc   bool // the key or the (string) value has escapes
}

// jsonLine is a parsed line.
type jsonLine struct {
	members []jsonMember
	close   int // the closing brace
}

// jsonMaxDepth bounds the nesting of a value carried through.
const jsonMaxDepth = 1000

// jsonSyntaxError is a line that is not one JSON object.
type jsonSyntaxError struct {
	Off  int    // byte offset in the line
	Key  string // the last key read before it ("" if none)
	What string
}

func (e *jsonSyntaxError) Error() string {
	s := fmt.Sprintf("not a JSON object: %s at byte %d", e.What, e.Off+1)
	if e.Key != "" {
		s += fmt.Sprintf(" (after the key %q)", clip(e.Key))
	}
	return s
}

// jsonParser parses lines, reusing its buffers.
type jsonParser struct {
	b    []byte
	i    int
	key  []byte // the last key read, decoded
	tmp  []byte
	line jsonLine
}

func (p *jsonParser) fail(what string, args ...any) error {
	return &jsonSyntaxError{Off: p.i, Key: string(p.key), What: fmt.Sprintf(what, args...)}
}

func (p *jsonParser) ws() {
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case ' ', '\t', '\r', '\n':
			p.i++
		default:
			return
		}
	}
}

// parse parses line b (without its line break) as one object.
func (p *jsonParser) parse(b []byte) (*jsonLine, error) {
	p.b, p.i, p.key = b, 0, p.key[:0]
	l := &p.line
	l.members = l.members[:0]
	p.ws()
	if p.i == len(b) {
		return nil, p.fail("a blank line")
	}
	if b[p.i] != '{' {
		return nil, p.fail("%s, not an object", p.what())
	}
	p.i++
	p.ws()
	if p.i < len(b) && b[p.i] == '}' {
		l.close = p.i
		p.i++
		return l, p.end()
	}
	for {
		if p.i >= len(b) {
			return nil, p.fail("the line ends inside the object")
		}
		if b[p.i] != '"' {
			return nil, p.fail("a key must be a string")
		}
		var m jsonMember
		m.keyStart = p.i
		esc, err := p.str()
		if err != nil {
			return nil, err
		}
		m.keyEnd, m.keyEsc = p.i, esc
		p.key = p.decode(p.key[:0], b[m.keyStart:m.keyEnd], esc)
		p.ws()
		if p.i >= len(b) || b[p.i] != ':' {
			return nil, p.fail("a colon must follow a key")
		}
		p.i++
		p.ws()
		m.valStart = p.i
		if m.kind, m.valEsc, err = p.value(); err != nil {
			return nil, err
		}
		m.valEnd = p.i
		l.members = append(l.members, m)
		p.ws()
		if p.i >= len(b) {
			return nil, p.fail("the line ends inside the object")
		}
		switch b[p.i] {
		case ',':
			p.i++
			p.ws()
		case '}':
			l.close = p.i
			p.i++
			return l, p.end()
		default:
			return nil, p.fail("a comma or a closing brace must follow a value")
		}
	}
}

// end checks that only whitespace follows the object.
func (p *jsonParser) end() error {
	p.ws()
	if p.i != len(p.b) {
		return p.fail("more after the object (one object per line)")
	}
	return nil
}

// what names the value at p.i, for a line that is not an object.
func (p *jsonParser) what() string {
	switch c := p.b[p.i]; {
	case c == '[':
		return "an array"
	case c == '"':
		return "a string"
	case c == '-' || c >= '0' && c <= '9':
		return "a number"
	case c == 't' || c == 'f' || c == 'n':
		return "a literal"
	}
	return "not JSON"
}

// value parses the value at p.i.
func (p *jsonParser) value() (jsonKind, bool, error) {
	if p.i >= len(p.b) {
		return 0, false, p.fail("the line ends where a value should be")
	}
	switch c := p.b[p.i]; {
	case c == '"':
		esc, err := p.str()
		return jString, esc, err
	case c == '-' || c >= '0' && c <= '9':
		return jNumber, false, p.number()
	case c == 't':
		return jBool, false, p.lit("true")
	case c == 'f':
		return jBool, false, p.lit("false")
	case c == 'n':
		return jNull, false, p.lit("null")
	case c == '{':
		return jObject, false, p.nested()
	case c == '[':
		return jArray, false, p.nested()
	}
	return 0, false, p.fail("not a JSON value")
}

func (p *jsonParser) lit(s string) error {
	if len(p.b)-p.i < len(s) || string(p.b[p.i:p.i+len(s)]) != s {
		return p.fail("not a JSON value (true, false and null are lower case)")
	}
	p.i += len(s)
	return nil
}

// number parses -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
func (p *jsonParser) number() error {
	b := p.b
	digits := func() int {
		n := 0
		for p.i < len(b) && b[p.i] >= '0' && b[p.i] <= '9' {
			p.i++
			n++
		}
		return n
	}
	if b[p.i] == '-' {
		p.i++
	}
	if p.i < len(b) && b[p.i] == '0' {
		p.i++
	} else if digits() == 0 {
		return p.fail("a malformed number")
	}
	if p.i < len(b) && b[p.i] == '.' {
		p.i++
		if digits() == 0 {
			return p.fail("a malformed number")
		}
	}
	if p.i < len(b) && (b[p.i] == 'e' || b[p.i] == 'E') {
		p.i++
		if p.i < len(b) && (b[p.i] == '+' || b[p.i] == '-') {
			p.i++
		}
		if digits() == 0 {
			return p.fail("a malformed number")
		}
	}
	if p.i < len(b) {
		switch b[p.i] {
		case ' ', '\t', '\r', '\n', ',', '}', ']':
		default:
			return p.fail("a malformed number")
		}
	}
	return nil
}

// str parses the string at p.i (its quotes included): valid UTF-8, no
// control character, valid escapes (no lone UTF-16 surrogate).
func (p *jsonParser) str() (esc bool, err error) {
	b := p.b
	p.i++
	for {
		if p.i >= len(b) {
			return esc, p.fail("the line ends inside a string")
		}
		c := b[p.i]
		switch {
		case c == '"':
			p.i++
			return esc, nil
		case c < 0x20:
			return esc, p.fail("a control character (byte 0x%02x) in a string: JSON writes it as an escape", c)
		case c == '\\':
			esc = true
			if p.i+1 >= len(b) {
				return esc, p.fail("the line ends inside a string")
			}
			switch b[p.i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				p.i += 2
			case 'u':
				r, ok := p.hex4(p.i + 2)
				if !ok {
					return esc, p.fail("a malformed \\u escape")
				}
				p.i += 6
				if utf16.IsSurrogate(r) {
					r2, ok := rune(0), false
					if p.i+1 < len(b) && b[p.i] == '\\' && b[p.i+1] == 'u' {
						r2, ok = p.hex4(p.i + 2)
					}
					if !ok || utf16.DecodeRune(r, r2) == utf8.RuneError {
						return esc, p.fail("a lone UTF-16 surrogate (\\u%04x): not a character", r)
					}
					p.i += 6
				}
			default:
				return esc, p.fail("an invalid escape \\%c", b[p.i+1])
			}
		case c < utf8.RuneSelf:
			p.i++
		default:
			r, n := utf8.DecodeRune(b[p.i:])
			if r == utf8.RuneError && n <= 1 {
				return esc, p.fail("invalid UTF-8")
			}
			p.i += n
		}
	}
}

func (p *jsonParser) hex4(at int) (rune, bool) {
	if at+4 > len(p.b) {
		return 0, false
	}
	v, err := strconv.ParseUint(string(p.b[at:at+4]), 16, 32)
	return rune(v), err == nil
}

// nested checks the object or array at p.i, without keeping it.
func (p *jsonParser) nested() error {
	var stack []byte
	for {
		// A value starts at p.i.
		p.ws()
		if p.i >= len(p.b) {
			return p.fail("the line ends inside a nested value")
		}
		switch c := p.b[p.i]; c {
		case '{', '[':
			if len(stack) == jsonMaxDepth {
				return p.fail("values nested more than %d deep", jsonMaxDepth)
			}
			p.i++
			p.ws()
			closer := byte('}')
			if c == '[' {
				closer = ']'
			}
			if p.i < len(p.b) && p.b[p.i] == closer {
				p.i++
				break
			}
			stack = append(stack, closer)
			if c == '{' {
				if err := p.nestedKey(); err != nil {
					return err
				}
			}
			continue
		default:
			if _, _, err := p.value(); err != nil {
				return err
			}
		}
		// After a value: a comma or a closer.
		for {
			if len(stack) == 0 {
				return nil
			}
			p.ws()
			if p.i >= len(p.b) {
				return p.fail("the line ends inside a nested value")
			}
			top := stack[len(stack)-1]
			if p.b[p.i] == top {
				p.i++
				stack = stack[:len(stack)-1]
				continue
			}
			if p.b[p.i] != ',' {
				return p.fail("a comma or %q must follow a value", top)
			}
			p.i++
			if top == '}' {
				p.ws()
				if err := p.nestedKey(); err != nil {
					return err
				}
			}
			break
		}
	}
}

// nestedKey reads a key and its colon inside a nested object.
func (p *jsonParser) nestedKey() error {
	if p.i >= len(p.b) || p.b[p.i] != '"' {
		return p.fail("a key must be a string")
	}
	if _, err := p.str(); err != nil {
		return err
	}
	p.ws()
	if p.i >= len(p.b) || p.b[p.i] != ':' {
		return p.fail("a colon must follow a key")
	}
	p.i++
	return nil
}

// decode appends the value of the JSON string s (with its quotes), which
// str has checked.
func (p *jsonParser) decode(dst, s []byte, esc bool) []byte {
	s = s[1 : len(s)-1]
	if !esc {
		return append(dst, s...)
	}
	for i := 0; i < len(s); {
		if s[i] != '\\' {
			dst = append(dst, s[i])
			i++
			continue
		}
		switch c := s[i+1]; c {
		case 'b':
			dst = append(dst, '\b')
		case 'f':
			dst = append(dst, '\f')
		case 'n':
			dst = append(dst, '\n')
		case 'r':
			dst = append(dst, '\r')
		case 't':
			dst = append(dst, '\t')
		case 'u':
			v, _ := strconv.ParseUint(string(s[i+2:i+6]), 16, 32)
			r := rune(v)
			if utf16.IsSurrogate(r) {
				v2, _ := strconv.ParseUint(string(s[i+8:i+12]), 16, 32)
				r = utf16.DecodeRune(r, rune(v2))
				i += 6
			}
			dst = utf8.AppendRune(dst, r)
			i += 6
			continue
		default:
			dst = append(dst, c)
		}
		i += 2
	}
	return dst
}

// appendJSONString appends s as a JSON string, in the one spelling this
// package writes: only '"', '\\' and the control characters escaped (the
// short escapes where JSON has them, else \u00XX), everything else as
// it is.
func appendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			dst = append(dst, '\\', c)
		case c == '\n':
			dst = append(dst, '\\', 'n')
		case c == '\r':
			dst = append(dst, '\\', 'r')
		case c == '\t':
			dst = append(dst, '\\', 't')
		case c == '\b':
			dst = append(dst, '\\', 'b')
		case c == '\f':
			dst = append(dst, '\\', 'f')
		case c < 0x20:
			dst = append(dst, '\\', 'u', '0', '0', "0123456789abcdef"[c>>4], "0123456789abcdef"[c&15])
		default:
			dst = append(dst, c)
		}
	}
	return append(dst, '"')
}

// isJSONNumber reports whether s is a JSON number as written.
func isJSONNumber(s string) bool {
	if s == "" {
		return false
	}
	var p jsonParser
	p.b = []byte(s)
	return p.number() == nil && p.i == len(s)
}

// errJSONL errors.
var (
	errJSONLNoKeys = errors.New("the first line is an empty object: a table needs at least one key")
)
