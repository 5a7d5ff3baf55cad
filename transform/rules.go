package transform

import (
	"errors"
	"fmt"
	"strings"

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
}

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
	if r.pos.has(v) {
		if r.positiveText == "" && r.firstPos.has(v) {
			r.positiveText = v
		}
		return true, nil
	}
	if model.IsMissing(v) {
		return false, fmt.Errorf("missing label %q: every row needs a label (fairflip does not guess one)", v)
	}
	if r.neg.len() > 0 && !r.neg.has(v) {
		return false, fmt.Errorf("label %q is neither positive (--positive %s) nor negative (--negative %s)", v, strings.Join(r.positive, " --positive "), strings.Join(r.negative, " --negative "))
	}
	return false, nil
}
