package transform

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// A group expression selects rows by their sensitive columns. The syntax:
//
//	VALUE                  one sensitive column: rows whose cell is VALUE
//	V1|V2                  any of several values
//	V1,V2                  several sensitive columns, one value each, in the order of --sensitive
//	COL=V1|V2,COL2=V3      by name: every named column must match (AND); | means OR within a column
//	COL!=V  COL<N  COL<=N  COL>N  COL>=N
//	                       by name, with a comparison; <, <=, >, >= compare numbers
//	                       (a cell that is not a number never matches)
//
// A flag given several times (--minority A --minority B) selects the rows that
// match any of the expressions. Values are compared after trimming spaces.
// A backslash escapes a literal , | = < > ! or \ inside a value.
//
// Examples: --sensitive race --minority Black;
// --sensitive sex,race --minority Female,Black (Black women);
// --sensitive age --minority 'age<25' (Bank marketing's young clients).

// op is a comparison in a group expression.
type op uint8

const (
	opEq op = iota
	opNe
	opLt
	opLe
	opGt
	opGe
)

// pred is one condition on one sensitive cell.
type pred struct {
	op   op
	vals valueSet // opEq, opNe: any of / none of
	num  float64  // numeric comparisons
}

func (p pred) match(cell string) bool {
	switch p.op {
	case opEq, opNe:
		return p.vals.has(cell) == (p.op == opEq)
	}
	x, err := strconv.ParseFloat(cell, 64)
	if err != nil || math.IsNaN(x) {
		return false
	}
	switch p.op {
	case opLt:
		return x < p.num
	case opLe:
		return x <= p.num
	case opGt:
		return x > p.num
	}
	return x >= p.num
}

// conj is one parsed expression: for each sensitive column (by position), the
// conditions its cell must meet (none: any value).
type conj [][]pred

// groupSpec is a union of conjunctions.
type groupSpec []conj

func (g groupSpec) match(cells []string) bool {
	for _, c := range g {
		if c.match(cells) {
			return true
		}
	}
	return false
}

func (c conj) match(cells []string) bool {
	for i, preds := range c {
		for _, p := range preds {
			if !p.match(cells[i]) {
				return false
			}
		}
	}
	return true
}

// splitEscaped splits s at unescaped sep, keeping the escapes.
func splitEscaped(s string, sep byte) []string {
	var parts []string
	start := 0
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' {
			i++
			continue
		}
		if s[i] == sep {
			parts = append(parts, s[start:i])
			start = i + 1
		}
	}
	return append(parts, s[start:])
}

func unescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// cutOp finds the first unescaped comparison operator in s and returns the
// text before it, the operator and the text after it.
func cutOp(s string) (col string, o op, rest string, ok bool) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\\' {
			i++
			continue
		}
		two := i+1 < len(s) && s[i+1] == '='
		switch {
		case c == '!' && two:
			return s[:i], opNe, s[i+2:], true
		case c == '<' && two:
			return s[:i], opLe, s[i+2:], true
		case c == '>' && two:
			return s[:i], opGe, s[i+2:], true
		case c == '<':
			return s[:i], opLt, s[i+1:], true
		case c == '>':
			return s[:i], opGt, s[i+1:], true
		case c == '=':
			return s[:i], opEq, s[i+1:], true
		}
	}
	return "", 0, "", false
}

// parseGroup parses the expressions given to flag for the sensitive columns
// named sens (as the user wrote them).
func parseGroup(flag string, exprs []string, sens []string) (groupSpec, error) {
	var g groupSpec
	for _, e := range exprs {
		c := make(conj, len(sens))
		parts := splitEscaped(e, ',')
		col0, _, _, hasOp := cutOp(parts[0])
		if hasOp && strings.TrimSpace(col0) != "" {
			for _, p := range parts {
				col, o, val, ok := cutOp(p)
				col = strings.TrimSpace(unescape(col))
				if !ok || col == "" {
					return nil, groupErr(flag, fmt.Sprintf(" %q: %q is not COLUMN=VALUE or COLUMN<NUMBER (escape a literal = < > ! as \\=)", e, p))
				}
				idx := -1
				for i, s := range sens {
					if s == col {
						idx = i
					}
				}
				if idx < 0 {
					return nil, groupErr(flag, fmt.Sprintf(" %q: column %q is not one of ", e, col), field("sensitive"), " ("+strings.Join(sens, ",")+")")
				}
				pr, err := makePred(flag, e, o, val)
				if err != nil {
					return nil, err
				}
				c[idx] = append(c[idx], pr)
			}
		} else {
			if len(parts) != len(sens) {
				return nil, groupErr(flag, fmt.Sprintf(" %q: %d value(s) for %d sensitive column(s) (%s); give one value per column, or COLUMN=VALUE", e, len(parts), len(sens), strings.Join(sens, ",")))
			}
			for i, p := range parts {
				c[i] = []pred{{op: opEq, vals: values(p)}}
			}
		}
		g = append(g, c)
	}
	return g, nil
}

// groupErr is a ConfigError of the expressions given to flag ("--minority").
func groupErr(flag string, msg ...any) error {
	name := strings.TrimPrefix(flag, "--")
	return configErr(name, append([]any{field(name)}, msg...)...)
}

// makePred builds the condition "op val" of expression e given to flag.
func makePred(flag, e string, o op, val string) (pred, error) {
	pr := pred{op: o}
	switch o {
	case opEq, opNe:
		pr.vals = values(val)
	default:
		x, err := strconv.ParseFloat(strings.TrimSpace(unescape(val)), 64)
		if err != nil || math.IsNaN(x) {
			return pr, groupErr(flag, fmt.Sprintf(" %q: %q is not a number to compare with", e, strings.TrimSpace(val)))
		}
		pr.num = x
	}
	return pr, nil
}

func values(s string) valueSet {
	var out []string
	for _, v := range splitEscaped(s, '|') {
		out = append(out, strings.TrimSpace(unescape(v)))
	}
	return newValueSet(out)
}

// valueSet matches cell values against the values a user gave: equal text,
// or, when both are numbers, equal numbers ("2" matches "2.0", as census
// files write their codes).
type valueSet struct {
	text map[string]bool
	nums []float64
}

func newValueSet(vals []string) valueSet {
	s := valueSet{text: map[string]bool{}}
	for _, v := range vals {
		s.text[v] = true
		if x, ok := number(v); ok {
			s.nums = append(s.nums, x)
		}
	}
	return s
}

func (s valueSet) len() int { return len(s.text) }

func (s valueSet) has(v string) bool {
	if s.text[v] {
		return true
	}
	if len(s.nums) == 0 {
		return false
	}
	x, ok := number(v)
	if !ok {
		return false
	}
	for _, n := range s.nums {
		if x == n {
			return true
		}
	}
	return false
}

// number parses a finite number; it is quick to refuse text.
func number(v string) (float64, bool) {
	if v == "" || !(v[0] >= '0' && v[0] <= '9' || v[0] == '-' || v[0] == '+' || v[0] == '.') {
		return 0, false
	}
	x, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
		return 0, false
	}
	return x, true
}
