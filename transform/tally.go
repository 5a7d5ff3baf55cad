package transform

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Tally counts the rows of each distinct value that a rule set aside and
// the user should hear about: label values read as negative that equal a
// --positive value but for case or surrounding spaces, and --members
// values read as "not a member". It keeps the tallyValues smallest values
// (in byte order) exactly and counts the rows of all others in Other, so
// that partial tallies merge to the same result in any order: a value
// among the smallest of the whole table is among the smallest of every
// part that holds it.
type Tally struct {
	Counts map[string]int
	Other  int // rows whose value is not in Counts
}

const tallyValues = 12

func (t *Tally) add(v string, rows int) {
	if t.Counts == nil {
		t.Counts = map[string]int{}
	}
	t.Counts[v] += rows
	if len(t.Counts) > tallyValues {
		t.cut()
	}
}

// cut keeps the tallyValues smallest values.
func (t *Tally) cut() {
	keys := make([]string, 0, len(t.Counts))
	for k := range t.Counts {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys[tallyValues:] {
		t.Other += t.Counts[k]
		delete(t.Counts, k)
	}
}

// Merge adds u to t.
func (t *Tally) Merge(u Tally) {
	for k, n := range u.Counts {
		t.add(k, n)
	}
	t.Other += u.Other
}

// rows is the number of rows counted.
func (t Tally) rows() int {
	n := t.Other
	for _, c := range t.Counts {
		n += c
	}
	return n
}

// list writes the values with their row counts: "0" (800 rows), "" (3 rows),
// and 4 rows of other values.
func (t Tally) list() string {
	keys := make([]string, 0, len(t.Counts))
	for k := range t.Counts {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s (%s)", strconv.Quote(k), plural(t.Counts[k], "row")))
	}
	if t.Other > 0 {
		parts = append(parts, fmt.Sprintf("and %s with other values", plural(t.Other, "row")))
	}
	return strings.Join(parts, ", ")
}

// tallyNotices are the notices of a table's tallies (from one pass, or
// merged from the staged passes' batches).
func (o *Options) tallyNotices(nearPositive, nonMembers Tally) []string {
	var out []string
	if nearPositive.rows() > 0 {
		out = append(out, fmt.Sprintf("label values that equal --positive %s but for case or surrounding spaces were read as negative, so they may be flipped: %s; if they are favourable, give them as --positive too", strings.Join(o.Positive, " --positive "), nearPositive.list()))
	}
	if o.Members != "" && nonMembers.rows() > 0 {
		out = append(out, fmt.Sprintf("--members %s: a member's cell is 1, true, yes or y (any case) or a number equal to 1; these values were read as not a member: %s", o.Members, nonMembers.list()))
	}
	return out
}
