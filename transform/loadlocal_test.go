package transform

import (
	"context"
	"math"
	"reflect"
	"testing"

	"github.com/fairflip/fairflip/internal/testdata"
	tableio "github.com/fairflip/fairflip/io"
	"github.com/fairflip/fairflip/model"
)

// sameColumns fails unless two sets of model columns are equal, NaN for
// NaN and bit for bit.
func sameModelColumns(t *testing.T, what string, a, b []model.Column) {
	t.Helper()
	if len(a) != len(b) {
		t.Fatalf("%s: %d columns, want %d", what, len(b), len(a))
	}
	for k := range a {
		x, y := a[k], b[k]
		if x.Name != y.Name || x.Numeric != y.Numeric || x.NonFinite != y.NonFinite || !reflect.DeepEqual(x.Levels, y.Levels) || !reflect.DeepEqual(x.Codes, y.Codes) || len(x.Num) != len(y.Num) {
			t.Fatalf("%s column %s: differs (%v %v %d/%d levels %d/%d)", what, x.Name, x.Numeric, y.Numeric, x.NonFinite, y.NonFinite, len(x.Levels), len(y.Levels))
		}
		for i := range x.Num {
			if math.Float64bits(x.Num[i]) != math.Float64bits(y.Num[i]) && !(math.IsNaN(x.Num[i]) && math.IsNaN(y.Num[i])) {
				t.Fatalf("%s column %s row %d: %v, want %v", what, x.Name, i, y.Num[i], x.Num[i])
			}
		}
	}
}

// TestLoadLocalEqualsLoad: the stages' loader gives eval and sweep the
// same table as the one-process loader, on real data sets.
func TestLoadLocalEqualsLoad(t *testing.T) {
	adult := []string{"age", "workclass", "fnlwgt", "education", "education-num", "marital-status", "occupation", "relationship", "race", "sex", "capital-gain", "capital-loss", "hours-per-week", "native-country", "income"}
	cases := []struct {
		name, file string
		o          Options
	}{
		{"adult", "adult/adult.data", Options{Sensitive: []string{"race"}, Minority: []string{"Black"}, Label: "income", Positive: []string{">50K", ">50K."}, HeaderNames: adult, Dialect: tableio.Dialect{Comment: '|'}}},
		{"adult test, where", "adult/adult.test", Options{Sensitive: []string{"race"}, Minority: []string{"Black"}, Label: "income", Positive: []string{">50K", ">50K."}, HeaderNames: adult, Dialect: tableio.Dialect{Comment: '|'}, Where: []string{"sex=Female"}}},
		{"compas", "compas/compas-scores-two-years.csv", Options{Sensitive: []string{"race"}, Minority: []string{"African-American"}, Label: "two_year_recid", Positive: []string{"0"}, Dialect: tableio.Dialect{Header: true}}},
		{"bank", "bank/bank-full.csv", Options{Sensitive: []string{"marital"}, Minority: []string{"divorced"}, Label: "y", Positive: []string{"yes"}, Dialect: tableio.Dialect{Header: true}, Categorical: []string{"day"}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o := c.o
			o.IgnoreAudit, o.Method, o.MaxLevels, o.MaxFlips = true, MethodRBProb, 100, -1
			path := testdata.Path(t, c.file)
			a, err := o.Load(context.Background(), FileInput(path))
			if err != nil {
				t.Fatal(err)
			}
			b, err := o.LoadLocal(context.Background(), Source{Path: path})
			if err != nil {
				t.Fatal(err)
			}
			if a.Rows != b.Rows || !reflect.DeepEqual(a.Group, b.Group) || !reflect.DeepEqual(a.Positive, b.Positive) || !reflect.DeepEqual(a.Member, b.Member) {
				t.Fatalf("rows %d/%d, groups or labels differ", a.Rows, b.Rows)
			}
			if !reflect.DeepEqual(a.RefRows, b.RefRows) || !reflect.DeepEqual(a.RefKeys, b.RefKeys) || !reflect.DeepEqual(a.RefPos, b.RefPos) {
				t.Fatalf("references differ")
			}
			sameModelColumns(t, "features", a.Features, b.Features)
			sameModelColumns(t, "sensitive", a.Sensitive, b.Sensitive)
			if a.PositiveText != b.PositiveText || a.SHA256 != b.SHA256 {
				t.Fatalf("positive text %q/%q, sha %s/%s", a.PositiveText, b.PositiveText, a.SHA256, b.SHA256)
			}
			t.Logf("%d rows, %d features; notices %q / %q", a.Rows, len(a.Features), a.Notices, b.Notices)
		})
	}
}
