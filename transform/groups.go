package transform

import (
	"strings"

	"github.com/fairflip/fairflip/internal/fferr"
)

// A group expression selects rows by their sensitive columns. The syntax:
//
//	VALUE                    one sensitive column: rows whose cell is VALUE
//	V1|V2                    any of several values
//	V1,V2                    several sensitive columns, one value each, in the order of --sensitive
//	COL=V1|V2,COL2=V3        by name: every named column must match (AND); | means OR within a column
//
// A flag given several times (--minority A --minority B) selects the rows that
// match any of the expressions. Values are compared after trimming spaces.
// A backslash escapes a literal , | = or \ inside a value.
//
// Examples: --sensitive race --minority Black;
// --sensitive sex,race --minority Female,Black (Black women);
// --sensitive sex,race --minority 'race=Black|Amer-Indian-Eskimo'.

// conj is one parsed expression: for each sensitive column (by position), the
// accepted values; nil means "any value".
type conj [][]string

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
	for i, vals := range c {
		if vals == nil {
			continue
		}
		ok := false
		for _, v := range vals {
			if cells[i] == v {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

// splitEscaped splits s at unescaped sep and removes the escapes of the
// separators only at the last level (keep=false).
func splitEscaped(s string, sep byte) []string {
	var parts []string
	var cur strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\\' && i+1 < len(s) {
			cur.WriteByte(c)
			cur.WriteByte(s[i+1])
			i++
			continue
		}
		if c == sep {
			parts = append(parts, cur.String())
			cur.Reset()
			continue
		}
		cur.WriteByte(c)
	}
	return append(parts, cur.String())
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

// hasUnescaped reports whether s holds sep outside an escape.
func hasUnescaped(s string, sep byte) bool { return len(splitEscaped(s, sep)) > 1 }

// parseGroup parses the expressions given to flag for the sensitive columns
// named sens (as the user wrote them).
func parseGroup(flag string, exprs []string, sens []string) (groupSpec, error) {
	var g groupSpec
	for _, e := range exprs {
		c := make(conj, len(sens))
		parts := splitEscaped(e, ',')
		byName := hasUnescaped(parts[0], '=')
		if byName {
			for _, p := range parts {
				kv := splitEscaped(p, '=')
				if len(kv) != 2 {
					return nil, fferr.Usage("%s %q: %q is not COLUMN=VALUE (escape a literal = as \\=)", flag, e, p)
				}
				col := strings.TrimSpace(unescape(kv[0]))
				idx := -1
				for i, s := range sens {
					if s == col {
						idx = i
					}
				}
				if idx < 0 {
					return nil, fferr.Usage("%s %q: column %q is not one of --sensitive (%s)", flag, e, col, strings.Join(sens, ","))
				}
				if c[idx] != nil {
					return nil, fferr.Usage("%s %q: column %q appears twice; use V1|V2 for alternatives", flag, e, col)
				}
				c[idx] = values(kv[1])
			}
		} else {
			if len(parts) != len(sens) {
				return nil, fferr.Usage("%s %q: %d value(s) for %d sensitive column(s) (%s); give one value per column, or COLUMN=VALUE", flag, e, len(parts), len(sens), strings.Join(sens, ","))
			}
			for i, p := range parts {
				c[i] = values(p)
			}
		}
		g = append(g, c)
	}
	return g, nil
}

func values(s string) []string {
	var out []string
	for _, v := range splitEscaped(s, '|') {
		out = append(out, strings.TrimSpace(unescape(v)))
	}
	return out
}
