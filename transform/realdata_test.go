package transform

import (
	"bytes"
	"context"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/fairflip/fairflip/internal/testdata"
	tableio "github.com/fairflip/fairflip/io"
	"github.com/fairflip/fairflip/scorer"
)

type realCase struct {
	name  string
	file  string
	opts  func() Options
	label int // 0-based label column
}

func realCases() []realCase {
	return []realCase{
		{"adult", "adult/adult.data", func() Options {
			return Options{Config: Config{
				Dialect: tableio.Dialect{}, HeaderNames: strings.Split(testdata.AdultColumns, ","),
				Sensitive: []string{"race"}, Minority: []string{"Black"}, Label: "income", Positive: []string{">50K"},
				Alpha: 0.3, Seed: 1, MaxFlips: -1,
			}}
		}, 14},
		{"adult.test", "adult/adult.test", func() Options {
			return Options{Config: Config{
				Dialect: tableio.Dialect{SkipLines: 1}, HeaderNames: strings.Split(testdata.AdultColumns, ","),
				Sensitive: []string{"sex"}, Minority: []string{"Female"}, Label: "income", Positive: []string{">50K."}, Negative: []string{"<=50K."},
				Alpha: 0.5, Seed: 3, MaxFlips: -1,
			}}
		}, 14},
		{"compas", "compas/compas-scores-two-years.csv", func() Options {
			return Options{Config: Config{
				Dialect:   tableio.Dialect{Header: true},
				Sensitive: []string{"race"}, Minority: []string{"African-American"}, Label: "two_year_recid", Positive: []string{"0"}, Negative: []string{"1"},
				Alpha: 0.3, Seed: 1, MaxFlips: -1,
			}}
		}, 52},
	}
}

// TestRealDataFidelity flips the real files with every method and checks that
// only the planned label cells changed, every other byte is as it was, and
// undo gives the input back byte for byte.
func TestRealDataFidelity(t *testing.T) {
	t.Parallel()
	for _, c := range realCases() {
		raw, err := os.ReadFile(testdata.Path(t, c.file))
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range scorer.Names() {
			for _, flips := range []string{"auto", "150"} {
				if m == MethodRandom && flips == "auto" {
					continue
				}
				t.Run(c.name+"/"+m+"/"+flips, func(t *testing.T) {
					o := c.opts()
					o.Method = m
					o.Flips, _ = ParseFlips(flips)
					outBytes, p, err := flipPath(t, o, testdata.Path(t, c.file))
					if err != nil {
						t.Fatal(err)
					}
					out := bytes.NewBuffer(outBytes)
					rows := changedRows(t, string(raw), out.String(), o.Dialect, c.label)
					if len(rows) != p.Summary.Flips || (flips == "150" && len(rows) != 150) {
						t.Fatalf("%d rows changed, summary %d", len(rows), p.Summary.Flips)
					}
					for i := range rows {
						if rows[i] != p.Rows[i] {
							t.Fatalf("changed rows differ from the plan at %d", i)
						}
					}
					if m != MethodRandom && flips == "auto" && p.Summary.Flips == 0 {
						t.Fatalf("auto flipped nothing on %s", c.name)
					}
					back, _, err := undoFile(t, "flipped", out.Bytes(), UndoOptions{Dialect: o.Dialect})
					if err != nil {
						t.Fatal(err)
					}
					if !bytes.Equal(back, raw) {
						t.Fatal("flip | undo is not the input byte for byte")
					}
				})
			}
		}
	}
}

// TestAdultCounts checks the counts of the Adult example against the
// data README (32,561 rows; 3,124 Black people in adult.data).
func TestAdultCounts(t *testing.T) {
	t.Parallel()
	c := realCases()[0]
	o := c.opts()
	o.Method = MethodRBProb
	lf, err := o.PlanLocal(context.Background(), []Source{{Path: testdata.Path(t, c.file)}}, 0)
	if err != nil {
		t.Fatal(err)
	}
	p := planOf(lf, 0)
	s := p.Summary
	if s.Rows != 32561 || s.Minority != 3124 || s.Majority != 29437 || s.Collective != 938 {
		t.Fatalf("rows %d minority %d majority %d collective %d", s.Rows, s.Minority, s.Majority, s.Collective)
	}
	// 387 of the 3,124 Black people in adult.data earn >50K.
	if got := float64(s.MinorityRateBefore) * 3124; got < 386.5 || got > 387.5 {
		t.Fatalf("minority positives %v, want 387", got)
	}
}

// Adult's test file writes its labels with a final dot (">50K."): read with
// the training file's --positive >50K, no row is positive, and LoadLocal
// says so with the values the file has. With both spellings, it is quiet.
func TestNoPositiveNotice(t *testing.T) {
	t.Parallel()
	path := testdata.Path(t, "adult/adult.test")
	o := Options{Config: Config{
		Dialect: tableio.Dialect{SkipLines: 1}, HeaderNames: strings.Split(testdata.AdultColumns, ","),
		Sensitive: []string{"race"}, Minority: []string{"Black"}, Label: "income", Positive: []string{">50K"},
		Method: MethodRandom, Flips: FlipRule{Kind: FlipCount, N: 1}, Alpha: 1, MaxFlips: -1,
	}}
	d, err := o.LoadLocal(context.Background(), Source{Path: path, Name: "adult.test"})
	if err != nil {
		t.Fatal(err)
	}
	want := `adult.test: no row of the minority or the majority has a positive label (--positive >50K), so base rates are 0 and TPR and EqOd undefined; its income values are "<=50K." (12435 rows), ">50K." (3846 rows)`
	found := false
	for _, n := range d.Notices {
		found = found || strings.HasPrefix(n, want)
	}
	if !found {
		t.Errorf("no notice of the missing positive label; notices: %q", d.Notices)
	}
	o.Positive = []string{">50K", ">50K."}
	if d, err = o.LoadLocal(context.Background(), Source{Path: path, Name: "adult.test"}); err != nil {
		t.Fatal(err)
	}
	for _, n := range d.Notices {
		if strings.Contains(n, "no row of the minority or the majority has a positive label") {
			t.Errorf("a notice with positive rows present: %s", n)
		}
	}
}

// TestNumericColumnNotices loads real data sets and checks which numeric
// columns are left out as identifiers (integers that number the rows:
// COMPAS's id, credit-default's ID, law_data's unnamed index) and which are
// flagged as possible category codes, and that quantities stay features:
// Adult's fnlwgt, German's credit amount (92% distinct, but spread over
// 18 times as many values as rows), credit-default's amounts. A column
// named in --features is never left out.
func TestNumericColumnNotices(t *testing.T) {
	t.Parallel()
	const idNotice, codeNotice = "left out of the features because nearly all their values are distinct, like identifiers: ", "integer columns with few distinct values are read as numbers: "
	codeEnd := "; if some are category codes rather than quantities, name them in --categorical"
	cases := []struct {
		name, file string
		cfg        Config
		ids        string // the identifiers the notice lists ("": no such notice)
		codes      string // the columns the codes notice lists ("": none)
		kept       []string
	}{
		{"adult", "adult/adult.data", Config{HeaderNames: strings.Split(testdata.AdultColumns, ","),
			Sensitive: []string{"race"}, Minority: []string{"Black"}, Label: "income", Positive: []string{">50K"}},
			"", "education-num (16 values)", []string{"age", "fnlwgt", "education-num", "capital-gain", "hours-per-week"}},
		{"compas", "compas/compas-scores-two-years.csv", Config{Dialect: tableio.Dialect{Header: true},
			Sensitive: []string{"race"}, Minority: []string{"African-American"}, Label: "two_year_recid", Positive: []string{"0"}, Negative: []string{"1"}},
			"id (7214 distinct integers from 1 to 11001), name (7158 distinct values), c_jail_in (6907 distinct values), c_jail_out (6880 distinct values), c_case_number (7192 distinct values), r_case_number (3471 distinct values), vr_case_number (819 distinct values)",
			// juv_*_count are counts of rare events (0 in over 90% of rows): not flagged.
			"decile_score (10 values), decile_score (10 values), v_decile_score (10 values)", []string{"age", "juv_fel_count", "priors_count", "days_b_screening_arrest"}},
		{"compas --features id", "compas/compas-scores-two-years.csv", Config{Dialect: tableio.Dialect{Header: true}, Features: []string{"id", "age", "#12"},
			Sensitive: []string{"race"}, Minority: []string{"African-American"}, Label: "two_year_recid", Positive: []string{"0"}, Negative: []string{"1"}},
			"", "", []string{"id", "age", "decile_score"}}, // named columns get no notice
		{"credit-default", "credit-default/UCI_Credit_Card.csv", Config{Dialect: tableio.Dialect{Header: true},
			Sensitive: []string{"SEX"}, Minority: []string{"2"}, Label: "default.payment.next.month", Positive: []string{"0"}, Negative: []string{"1"}},
			"ID (30000 distinct integers from 1 to 30000)",
			"EDUCATION (7 values), MARRIAGE (4 values), PAY_0 (11 values), PAY_2 (11 values), PAY_3 (11 values), PAY_4 (11 values), PAY_5 (10 values), PAY_6 (10 values)",
			[]string{"LIMIT_BAL", "AGE", "BILL_AMT1", "PAY_AMT1"}},
		{"law", "law/law_data.csv", Config{Dialect: tableio.Dialect{Header: true},
			Sensitive: []string{"race"}, Minority: []string{"Black"}, Majority: []string{"White"}, Label: "first_pf", Positive: []string{"1.0"}, Negative: []string{"0.0"}},
			"#1 (21791 distinct integers from 0 to 27476)", "", []string{"sex", "LSAT", "UGPA", "ZFYA"}},
		{"dutch", "dutch/dutch.csv", Config{Dialect: tableio.Dialect{Header: true},
			Sensitive: []string{"sex"}, Minority: []string{"female"}, Label: "occupation", Positive: []string{"1"}, Negative: []string{"0"}},
			"", "age (12 values), household_position (8 values), household_size (6 values), citizenship (3 values), country_birth (3 values), edu_level (6 values), economic_status (3 values), cur_eco_activity (12 values), ... (9 in all)",
			[]string{"prev_residence_place", "marital_status"}},
		{"german", "german/german.data", Config{Dialect: tableio.Dialect{Delimiter: ' '},
			Sensitive: []string{"#9"}, Minority: []string{"A92"}, Label: "#21", Positive: []string{"1"}, Negative: []string{"2"}},
			"", "#8 (4 values), #11 (4 values), #16 (4 values)", []string{"#2", "#5", "#13"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			o := Options{Config: c.cfg}
			o.Method, o.Alpha, o.Seed, o.MaxFlips = MethodRBProb, 1, 1, -1
			d, err := o.LoadLocal(context.Background(), Source{Path: testdata.Path(t, c.file), Name: c.name})
			if err != nil {
				t.Fatal(err)
			}
			var ids, codes []string
			for _, n := range d.Notices {
				if s, ok := strings.CutPrefix(n, idNotice); ok {
					ids = append(ids, strings.TrimSuffix(s, "; name a column in --features to use it"))
				}
				if s, ok := strings.CutPrefix(n, codeNotice); ok {
					if !strings.HasSuffix(s, codeEnd) {
						t.Errorf("codes notice %q", n)
					}
					codes = append(codes, strings.TrimSuffix(s, codeEnd))
				}
			}
			if want := nonEmpty(c.ids); !slices.Equal(ids, want) {
				t.Errorf("identifiers left out: %q, want %q", ids, want)
			}
			if want := nonEmpty(c.codes); !slices.Equal(codes, want) {
				t.Errorf("codes flagged: %q, want %q", codes, want)
			}
			names := d.FeatureNames()
			for _, k := range c.kept {
				if !slices.Contains(names, k) {
					t.Errorf("feature %s left out; features %q", k, names)
				}
			}
			for _, id := range []string{"id", "ID", "#1"} {
				if slices.Contains(names, id) && strings.Contains(c.ids, id+" (") {
					t.Errorf("%s is both left out and a feature", id)
				}
			}
		})
	}
}

func nonEmpty(s string) []string {
	if s == "" {
		return nil
	}
	return []string{s}
}
