package transform

import (
	"fmt"
	"strings"
	"unicode/utf8"

	tableio "github.com/fairflip/fairflip/io"
	"github.com/fairflip/fairflip/model"
)

// Label values are checked before any pass over the data: a --positive or
// --negative that cannot be a label of the file is a usage error (exit code
// 2), never a failure after the first pass (or in the output check).

// labelFlags returns the flags that give label values, with their values.
func (o *Config) labelFlags() [2]struct {
	flag string
	vals []string
} {
	return [2]struct {
		flag string
		vals []string
	}{{"positive", o.Positive}, {"negative", o.Negative}}
}

// checkLabelValues checks the label values against what any file can hold:
// valid UTF-8 (a CSV output must stay UTF-8), and not empty or a marker of a
// missing value (model.IsMissing: "", "?", "NA"...), which fairflip reads as
// no label at all.
func (o *Config) checkLabelValues() error {
	for _, f := range o.labelFlags() {
		for _, v := range f.vals {
			if !utf8.ValidString(v) {
				return configErr(f.flag, field(f.flag), fmt.Sprintf(" %q: not valid UTF-8", v))
			}
			if t := strings.TrimSpace(v); model.IsMissing(t) {
				return configErr(f.flag, field(f.flag), fmt.Sprintf(" %q: fairflip reads %q as a missing label, not a label value", v, t))
			}
		}
	}
	return nil
}

// checkLabelColumn checks, from a typed table's schema (Parquet), that
// its label column col (c) can hold labels and that every --positive and
// --negative value is a value of its type that the column reads back as
// an equal value: so pass 1 can match the labels and pass 2 write the
// first --positive value.
func (o *Options) checkLabelColumn(lt labelTyper, col int, c tableio.Column) error {
	if err := lt.LabelType(col); err != nil {
		return configErr("label", field("label"), fmt.Sprintf(" %s: %v", c.Name, err))
	}
	for _, f := range o.labelFlags() {
		for _, v := range f.vals {
			t := strings.TrimSpace(v)
			text, err := lt.LabelValue(col, t)
			if err != nil {
				return configErr(f.flag, field(f.flag), fmt.Sprintf(": %v", err))
			}
			if !newValueSet([]string{t}).has(text) {
				return configErr(f.flag, field(f.flag), fmt.Sprintf(" %q: column %s (%s) stores this value as %q, which is another value; give ", v, c.Name, c.Type, text), field(f.flag), " "+text)
			}
		}
	}
	return nil
}

// labelTyper is what checkLabelColumn needs of a typed table.
type labelTyper interface {
	LabelType(col int) error
	LabelValue(col int, v string) (string, error)
}
