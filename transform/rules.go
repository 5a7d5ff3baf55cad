package transform

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/fairflip/fairflip/model"
)

// rowRules classify one row from its cells: its group and its label. The
// CSV and Parquet readers share them.
type rowRules struct {
	minor, major groupSpec // major nil: every row with its sensitive cells present that is not in the minority
	pos, neg     valueSet
	firstPos     valueSet
	positive     []string // as given, for messages
	negative     []string
	positiveText string // how the input writes the first positive value

	// What was set aside, for notices (see Tally).
	nearPositive, nonMembers Tally
	lastNeg                  string // the last value read as negative, and
	lastNegNear              bool   // whether it was near a positive value
	runValue                 string // the last non-member value, and
	runRows                  int    // the rows of it not yet in nonMembers

	// Memos of what is decided from a row's cells alone (group and
	// label are on every row, and most rows repeat a few values): a
	// string comparison instead of a map look-up.
	groups  []groupMemo // the first groupMemoSize distinct sensitive cells' groups
	lastPos string      // the last value read as positive (posSeen: there is one)
	posSeen bool
}

// groupMemo is the group of one row's sensitive cells.
type groupMemo struct {
	cells []string
	group int8
}

// groupMemoSize bounds rowRules.groups.
const groupMemoSize = 8

func (o *Options) rules() (*rowRules, error) {
	r := &rowRules{positive: o.Positive, negative: o.Negative}
	var err error
	if r.minor, err = parseGroup("--minority", o.Minority, o.Sensitive); err != nil {
		return nil, err
	}
	if len(o.Majority) > 0 {
		if r.major, err = parseGroup("--majority", o.Majority, o.Sensitive); err != nil {
			return nil, err
		}
	}
	r.pos = newValueSet(trimAll(o.Positive))
	r.neg = newValueSet(trimAll(o.Negative))
	r.firstPos = newValueSet(trimAll(o.Positive[:1]))
	return r, nil
}

// errBothGroups is reported for a row that matches --minority and --majority.
var errBothGroups = errors.New("row matches both --minority and --majority")

// group returns the group of a row from its sensitive cells.
func (r *rowRules) group(cells []string) (int8, error) {
	for i := range r.groups {
		if slices.Equal(r.groups[i].cells, cells) {
			return r.groups[i].group, nil
		}
	}
	g, err := r.groupOf(cells)
	if err == nil && len(r.groups) < groupMemoSize {
		r.groups = append(r.groups, groupMemo{cells: slices.Clone(cells), group: g})
	}
	return g, err
}

// groupOf is group without the memo.
func (r *rowRules) groupOf(cells []string) (int8, error) {
	if r.major == nil {
		for _, v := range cells {
			if model.IsMissing(v) {
				return GroupNone, nil
			}
		}
	}
	isMin := r.minor.match(cells)
	isMaj := !isMin
	if r.major != nil {
		isMaj = r.major.match(cells)
	}
	switch {
	case isMin && isMaj:
		return 0, errBothGroups
	case isMin:
		return GroupMinority, nil
	case isMaj:
		return GroupMajority, nil
	}
	return GroupNone, nil
}

// label returns whether a label value is positive, or an error for a
// missing label or one that is neither positive nor negative.
func (r *rowRules) label(v string) (bool, error) {
	switch {
	case r.posSeen && v == r.lastPos:
		return true, nil // positive, and positiveText was set (or not) the first time
	case r.lastNeg != "" && v == r.lastNeg:
		// Read as negative before: the same checks pass; only the tally.
		if r.lastNegNear {
			r.nearPositive.add(v, 1)
		}
		return false, nil
	}
	if r.pos.has(v) {
		if r.positiveText == "" && r.firstPos.has(v) {
			r.positiveText = v
		}
		r.lastPos, r.posSeen = v, true
		return true, nil
	}
	if model.IsMissing(v) {
		return false, fmt.Errorf("missing label %q: every row needs a label (fairflip does not guess one)", v)
	}
	if r.neg.len() > 0 && !r.neg.has(v) {
		hint := ""
		if r.nearPositive1(v) {
			hint = " (it equals a --positive value but for case or surrounding spaces: give it as --positive too if it is favourable)"
		}
		return false, fmt.Errorf("label %q is neither positive (--positive %s) nor negative (--negative %s)%s", v, strings.Join(r.positive, " --positive "), strings.Join(r.negative, " --negative "), hint)
	}
	// Read as negative: tally it if it is a --positive value but for case
	// or spaces ("Yes" for yes, "yes " for yes). Most rows repeat the
	// previous negative value.
	if v != r.lastNeg || r.lastNeg == "" {
		if !utf8.ValidString(v) {
			// A CSV reader refuses such a cell; a Parquet string may hold
			// any bytes, and the audit cell, which records the label as
			// text, could not.
			return false, fmt.Errorf("label %q is not valid UTF-8 (a flip records the label it changes, as text, in the audit cell)", v)
		}
		r.lastNeg, r.lastNegNear = v, r.nearPositive1(v)
	}
	if r.lastNegNear {
		r.nearPositive.add(v, 1)
	}
	return false, nil
}

// nearPositive1 reports whether v equals a --positive value but for case or
// surrounding spaces.
func (r *rowRules) nearPositive1(v string) bool {
	t := strings.TrimSpace(v)
	for _, p := range r.positive {
		if strings.EqualFold(t, strings.TrimSpace(p)) {
			return true
		}
	}
	return false
}

// member reports whether a --members cell marks a member: 1, true, yes or y
// in any case, or a number equal to 1 (1.0, 1.00 as a DECIMAL column
// writes it). Other values are tallied for the notice.
func (r *rowRules) member(v string) bool {
	if truthy(v) {
		return true
	}
	if x, ok := number(strings.TrimSpace(v)); ok && x == 1 {
		return true
	}
	// Tallied in runs of the same value (most rows repeat the previous one).
	if r.runRows > 0 && v != r.runValue {
		r.nonMembers.add(r.runValue, r.runRows)
		r.runRows = 0
	}
	r.runValue = v
	r.runRows++
	return false
}

// tallies returns what the rules set aside since the last call, for
// notices, and starts over.
func (r *rowRules) tallies() (nearPositive, nonMembers Tally) {
	if r.runRows > 0 {
		r.nonMembers.add(r.runValue, r.runRows)
		r.runRows = 0
	}
	nearPositive, nonMembers = r.nearPositive, r.nonMembers
	r.nearPositive, r.nonMembers = Tally{}, Tally{}
	return nearPositive, nonMembers
}
