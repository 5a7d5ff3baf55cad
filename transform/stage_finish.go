package transform

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/fairflip/fairflip/internal/fferr"
	"github.com/fairflip/fairflip/scorer"
)

// DistPlan is the outcome of a distributed pass 1: the rows to flip in
// each file, and the summary.
type DistPlan struct {
	Summary Summary
	Flips   [][]Scored // per file: the rows to flip (Key: the row in the file), ascending
	Pool    [][]int    // per file: the candidate pool's rows, ascending
}

// Finish makes the plan from the global results: the best candidates, the
// pool, the counts, and the files (in table order) with their row counts.
func (o *Options) Finish(files []*DistFile, off *Offsets, st *Stats, sp *Spec, pool []uint64, collective int, sc *Scorer, top *Top) (*DistPlan, error) {
	name := make([]string, len(files))
	for i, f := range files {
		name[i] = f.Name
	}
	in := strings.Join(name, ", ")
	dp := &DistPlan{Flips: make([][]Scored, len(files)), Pool: make([][]int, len(files))}
	s := &dp.Summary
	positive := st.PositiveText
	if positive == "" {
		positive = strings.TrimSpace(o.Positive[0])
	}
	label := ""
	if len(files) > 0 {
		lay, err := o.buildLayout(files[0].Names, files[0].NFields, files[0].Delim, files[0].Name)
		if err != nil {
			return nil, err
		}
		label = lay.colName(lay.label)
		if o.Members != "" {
			s.Members = lay.colName(lay.members)
		}
	}
	*s = Summary{
		Input: in, SHA256: TableSHA256(files), Rows: st.Rows, Members: s.Members,
		Label: label, PositiveWritten: positive,
		Minority: st.Minority, Majority: st.Majority, Neither: st.Neither,
	}
	var prior PriorFlips // --replace-audit: the labels of rows flipped before
	for _, f := range files {
		prior.Merge(f.Prior)
	}
	if err := prior.check(positive); err != nil {
		return nil, err
	}
	note := o.startSummary(s)
	for _, n := range st.Notices {
		note("%s", n)
	}
	for _, n := range o.tallyNotices(st.NearPositive, st.NonMembers) {
		note("%s", n)
	}
	for _, n := range sp.Notices {
		note("%s", n)
	}
	if st.Rows == 0 {
		if len(files) > 1 {
			return nil, fferr.Data("%s: no file has data rows", in)
		}
		return nil, fferr.Data("%s has %s", in, map[bool]string{true: "a header but no data rows", false: "no data rows"}[o.Dialect.Header])
	}
	if err := o.checkGroups(s, st.MajPos, note); err != nil {
		return nil, err
	}
	if o.Members != "" {
		if st.MembersOutside > 0 {
			note("%d rows marked in --members %s are not in the minority; only minority members can join the collective, so they are left unchanged", st.MembersOutside, s.Members)
		}
	} else {
		s.Alpha = o.Alpha
	}
	s.Collective = collective
	s.Pool = len(pool)
	s.Features = sp.Names
	s.ReferenceRows = sc.ReferenceRows
	if !o.method().Learns && o.Reference != "" {
		// The reference file is read, and sampled, even when nothing learns from it.
		s.ReferenceRows = st.RefRows
		if o.ReferenceSample > 0 {
			s.ReferenceRows = min(s.ReferenceRows, o.ReferenceSample)
		}
	}
	if o.Reference != "" {
		s.ReferenceFile = o.Reference
	}
	chosen, err := o.choose(pool, sp, sc, top, note)
	if err != nil {
		return nil, err
	}
	slices.SortFunc(chosen, func(a, b Scored) int { return cmp.Compare(a.Key, b.Key) })
	for _, c := range chosen {
		f, r := int(c.Key>>40), c.Key&(1<<40-1)
		if f < 0 || f >= len(files) {
			return nil, invariantf("a chosen row key %#x names no file", c.Key)
		}
		c.Key = r
		dp.Flips[f] = append(dp.Flips[f], c)
	}
	for _, k := range pool {
		f := int(k >> 40)
		dp.Pool[f] = append(dp.Pool[f], int(k&(1<<40-1)))
	}
	s.Flips = len(chosen)
	sum := 0
	for i, f := range files {
		n := off.FileRows(i)
		sum += n
		s.Files = append(s.Files, PartSummary{Input: f.Name, Rows: n, Flips: len(dp.Flips[i]), SHA256: f.SHA256})
	}
	s.MinorityRateBefore = rate(st.MinPos, s.Minority)
	s.MinorityRateAfter = rate(st.MinPos+s.Flips, s.Minority)
	if s.Flips > 0 && s.MinorityRateBefore > s.MajorityRate {
		note("%s", favouredWarning(s.MinorityRateBefore, s.MajorityRate))
	}
	if sum != st.Rows {
		return nil, invariantf("the files hold %d rows, the batches %d", sum, st.Rows)
	}
	return dp, nil
}

// choose picks the candidates to flip: the best of the scored pool, as many
// as the flip rule and --max-flips allow.
func (o *Options) choose(pool []uint64, sp *Spec, sc *Scorer, top *Top, note func(string, ...any)) ([]Scored, error) {
	if len(pool) == 0 {
		note("the candidate pool is empty (no collective member has a negative label): nothing to flip; the table is written unchanged apart from the empty audit column")
		return nil, nil
	}
	if err := o.checkScorable(sc.ReferenceRows, len(sp.Index)); err != nil {
		return nil, err
	}
	for _, n := range sc.Notices {
		o.notice("%s", n)
	}
	if top.Pool != len(pool) {
		return nil, invariantf("%d candidates were scored, but the pool has %d", top.Pool, len(pool))
	}
	want := top.Positives
	switch o.Flips.Kind {
	case FlipCount:
		want = o.Flips.N
		if want > len(pool) {
			note("--flips %d is more than the pool (%s): the whole pool is flipped", want, plural(len(pool), "candidate"))
			want = len(pool)
		}
	case FlipPercent:
		want = int(math.Round(o.Flips.Percent / 100 * float64(len(pool))))
	}
	if o.MaxFlips >= 0 && want > o.MaxFlips {
		note("--max-flips %d caps the %d flips the rule %s asks for", o.MaxFlips, want, o.Flips)
	}
	chosen := slices.Clone(top.Items)
	slices.SortFunc(chosen, scorer.Compare)
	if m := o.FlipBound(len(pool)); m >= 0 && len(chosen) > m {
		chosen = chosen[:m]
	}
	return chosen, nil
}

// favouredWarning warns that the minority's share of positive labels is
// already above the majority's, so flipping widens that gap. A flip has
// the labels only, not the firm's predictions: whether the firm's errors
// favour the minority (its TPR and FPR both above the majority's, where
// flipping raises EqOd) is what a sweep measures.
func favouredWarning(minority, majority Rate) string {
	return fmt.Sprintf("warning: the minority's share of positive labels (%.4f) is already above the majority's (%.4f): flipping its negatives to positives widens that gap. "+
		"This is based on the labels of this table only, not on the firm's predictions; if the firm's TPR and FPR are also higher for the minority, flipping raises EqOd: "+
		"run fairflip sweep on this table, which then advises no action", float64(minority), float64(majority))
}
