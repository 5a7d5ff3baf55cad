package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fairflip/fairflip/internal/testdata"
	"github.com/fairflip/fairflip/sweep"
)

// compasArgs: COMPAS with no recidivism (two_year_recid = 0, the
// favourable outcome) as the positive label.
func compasArgs(sensitive, minority string, more ...string) []string {
	return append([]string{"--sensitive", sensitive, "--minority", minority, "--label", "two_year_recid", "--positive", "0", "--negative", "1"}, more...)
}

// TestFlipWarnsMinorityFavoured: flipping for women on COMPAS (their share
// of the favourable label is already above men's) warns on stderr, and
// the summary records the warning, the rates it is based on beside it;
// flipping for African-American defendants against Caucasian ones (whose
// share is below) does not warn. Neither is refused.
func TestFlipWarnsMinorityFavoured(t *testing.T) {
	t.Parallel()
	in := testdata.Path(t, "compas/compas-scores-two-years.csv")
	dir := t.TempDir()
	for _, c := range []struct {
		name string
		args []string
	}{
		{"sex", compasArgs("sex", "Female")},
		{"race", compasArgs("race", "African-American", "--majority", "Caucasian")},
	} {
		sum := filepath.Join(dir, c.name+".json")
		r := runCLI(t, "", append([]string{"flip", in, "-o", filepath.Join(dir, c.name+".csv"), "--method", "random", "--flips", "10", "--summary", sum}, c.args...)...)
		if r.code != 0 {
			t.Fatalf("%s: exit %d: %s", c.name, r.code, r.stderr)
		}
		raw, err := os.ReadFile(sum)
		if err != nil {
			t.Fatal(err)
		}
		var s struct {
			Flips    int      `json:"flips"`
			Before   float64  `json:"minority_positive_rate_before"`
			Majority float64  `json:"majority_positive_rate"`
			Notices  []string `json:"notices"`
		}
		if err := json.Unmarshal(raw, &s); err != nil {
			t.Fatal(err)
		}
		favoured := s.Before > s.Majority
		if want := c.name == "sex"; favoured != want {
			t.Fatalf("%s: minority rate %v, majority %v: the case this test is for is gone", c.name, s.Before, s.Majority)
		}
		warning := fmt.Sprintf("warning: the minority's share of positive labels (%.4f) is already above the majority's (%.4f)", s.Before, s.Majority)
		inNotices := false
		for _, n := range s.Notices {
			inNotices = inNotices || strings.HasPrefix(n, warning)
		}
		if strings.Contains(r.stderr, "fairflip: "+warning) != favoured || inNotices != favoured {
			t.Errorf("%s: rates %v vs %v; warning on stderr %v, in the summary %v, want %v:\n%s", c.name, s.Before, s.Majority,
				strings.Contains(r.stderr, warning), inNotices, favoured, r.stderr)
		}
		if favoured && (s.Flips != 10 || !strings.Contains(r.stderr, "labels of this table only") || !strings.Contains(r.stderr, "fairflip sweep")) {
			t.Errorf("%s: %d flips; the warning should say what it is based on and point to sweep:\n%s", c.name, s.Flips, r.stderr)
		}
	}
}

// germanArgs: German credit, women (A92 in the personal-status column) as
// the minority, good credit (1) positive.
func germanArgs() []string {
	return []string{"--delimiter", " ", "--no-header", "--header-names",
		"checking,duration,history,purpose,amount,savings,employment,rate,personal,debtors,residence,property,age,plans,housing,credits,job,liable,telephone,foreign,credit",
		"--sensitive", "personal", "--minority", "A92", "--label", "credit", "--positive", "1", "--negative", "2"}
}

// TestSweepDefaultGridAndAdvice: on German credit, sweep's default grid
// follows the pool (0, 5%, ..., 100% and auto), the grid as used is
// printed with the results and written to the JSON summary, whose
// recommendation carries the action, the reason, the error limit and the
// spread; the limit is the flag's.
func TestSweepDefaultGridAndAdvice(t *testing.T) {
	t.Parallel()
	in := testdata.Path(t, "german/german.data")
	dir := t.TempDir()
	out := filepath.Join(dir, "g.csv")
	r := runCLI(t, "", append([]string{"sweep", in, "--test-split", "0.3", "--alpha", "0.5,1", "--methods", "rb-prob,random", "--runs", "2",
		"--max-error-increase", "0.02", "-o", out}, germanArgs()...)...)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	raw, err := os.ReadFile(filepath.Join(dir, "g.summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	var s struct {
		GridUsed []struct {
			Alpha float64 `json:"alpha"`
			Pool  struct {
				Min, Max float64
			} `json:"pool"`
			Steps []struct {
				Requested string `json:"flips_requested"`
				Method    string `json:"method"`
				Flips     struct {
					Min, Max float64
				} `json:"flips_made"`
			} `json:"steps"`
		} `json:"grid_used"`
		Recommendations []struct {
			Alpha   float64 `json:"alpha"`
			Action  string  `json:"action"`
			Reason  string  `json:"reason"`
			Limit   float64 `json:"max_error_increase"`
			Advised struct {
				EqOd struct {
					Mean, SD, Min, Max float64
					N                  int
				} `json:"eqod_mean"`
			} `json:"advised"`
		} `json:"recommendations"`
	}
	if err := json.Unmarshal(raw, &s); err != nil {
		t.Fatal(err)
	}
	if len(s.GridUsed) != 2 {
		t.Fatalf("grid_used %+v", s.GridUsed)
	}
	for _, g := range s.GridUsed {
		var req []string
		for _, st := range g.Steps {
			req = append(req, st.Requested)
			// A percentage made its share of each run's pool, rounded.
			if p, ok := strings.CutSuffix(st.Requested, "%"); ok {
				var pct float64
				fmt.Sscan(p, &pct)
				lo, hi := pct/100*g.Pool.Min, pct/100*g.Pool.Max
				if st.Flips.Min < lo-0.5 || st.Flips.Max > hi+0.5 {
					t.Errorf("alpha %v, %s of a pool of %v–%v: %v–%v flips", g.Alpha, st.Requested, g.Pool.Min, g.Pool.Max, st.Flips.Min, st.Flips.Max)
				}
			}
		}
		if got, want := strings.Join(req, ","), sweep.DefaultFlipsText; got != want {
			t.Errorf("alpha %v: grid %s, want the default %s", g.Alpha, got, want)
		}
		if last := g.Steps[len(g.Steps)-2]; last.Requested != "100%" || last.Flips.Min != g.Pool.Min || last.Flips.Max != g.Pool.Max {
			t.Errorf("alpha %v: 100%% made %v–%v flips of a pool of %v–%v", g.Alpha, last.Flips.Min, last.Flips.Max, g.Pool.Min, g.Pool.Max)
		}
	}
	for _, rec := range s.Recommendations {
		if rec.Action == "" || rec.Reason == "" || rec.Limit != 0.02 || rec.Advised.EqOd.N != 2 || !(rec.Advised.EqOd.Min <= rec.Advised.EqOd.Mean && rec.Advised.EqOd.Mean <= rec.Advised.EqOd.Max) {
			t.Errorf("recommendation %+v", rec)
		}
		if !strings.Contains(r.stdout, fmt.Sprintf("alpha %g: ", rec.Alpha)) || !strings.Contains(r.stdout, "why: "+rec.Reason) {
			t.Errorf("stdout lacks the advice at alpha %v (%s):\n%s", rec.Alpha, rec.Reason, r.stdout)
		}
	}
	for _, want := range []string{"Flip grid used", "alpha 1: pool ", "100%: ", "auto (rb-prob): ", "mean ± sample SD over the runs", "error at most +0.0200 over no action"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, r.stdout)
		}
	}

	// A negative limit is a usage error; the help states the default.
	r = runCLI(t, "", append([]string{"sweep", in, "--test-split", "0.3", "--max-error-increase", "-0.1"}, germanArgs()...)...)
	if r.code != exitUsage || !strings.Contains(r.stderr, "--max-error-increase -0.1") {
		t.Errorf("--max-error-increase -0.1: exit %d: %s", r.code, r.stderr)
	}
	r = runCLI(t, "", "sweep", "--help")
	for _, want := range []string{"--max-error-increase X", "(default: 0.01)", "5% to 100% of the pool", "standard error of the difference"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("sweep --help lacks %q", want)
		}
	}
}
