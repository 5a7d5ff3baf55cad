package transform

// Scoring with the registered methods (package scorer): what a flip and a
// sweep share, and how their refusals are worded.

import (
	"fmt"
	"strings"
	"sync"

	"github.com/fairflip/fairflip/internal/fferr"
	"github.com/fairflip/fairflip/model"
	"github.com/fairflip/fairflip/scorer"
)

// method returns o.Method's scorer. A name that is not registered (options
// not validated) gives a Method without Fit, which checkMethod refuses.
func (o *Config) method() scorer.Method {
	m, _ := scorer.Lookup(o.Method)
	return m
}

// checkMethod refuses a method that is not registered.
func (o *Config) checkMethod() error {
	if _, ok := scorer.Lookup(o.Method); !ok {
		return configErr("method", field("method"), fmt.Sprintf(" %q: want one of %s", o.Method, strings.Join(scorer.Names(), ", ")))
	}
	return nil
}

// checkScorable refuses to score with a method that learns when there
// are no reference rows or no feature columns.
func (o *Options) checkScorable(refRows, features int) error {
	if !o.method().Learns {
		return nil
	}
	if refRows == 0 {
		return fferr.Data("the reference has no majority rows to learn from")
	}
	if features == 0 {
		var none []string
		for _, m := range scorer.Methods() {
			if !m.Learns {
				none = append(none, m.Name)
			}
		}
		if len(none) == 0 {
			return fferr.Usage("no feature columns are left to score with; name some with --features")
		}
		return fferr.Usage("no feature columns are left to score with; name some with --features, or use --method %s", strings.Join(none, " or "))
	}
	return nil
}

// fit fits o.Method on the encoded reference ref with labels pos (both nil
// for a method that does not learn).
func (o *Options) fit(ref *model.Matrix, pos []bool) (scorer.Fitted, []string, error) {
	if err := o.checkMethod(); err != nil {
		return nil, nil, err
	}
	f, notices, err := o.method().Fit(scorer.Reference{X: ref, Y: pos}, scorer.Params{K: o.K, Seed: o.Seed, Workers: o.Workers})
	if err != nil {
		return nil, nil, o.scoreErr(err)
	}
	return f, notices, nil
}

// scoreErr words a method's refusal.
func (o *Options) scoreErr(err error) error {
	return fferr.Data("%s: %v", o.Method, err)
}

// scoreNotice prints a notice from scoring, if o has somewhere to print it
// (sweep scores with Log nil).
func (o *Options) scoreNotice(format string, args ...any) {
	if o.Log != nil {
		o.notice(format, args...)
	}
}

// ScoreRows scores the candidate rows pool of t with o.Method, learning
// from the reference rows refRows (labels refPos). Scores are in the
// order of pool.
func (o *Options) ScoreRows(t *Dataset, refRows []int, refPos []bool, pool []int) (*model.Scores, error) {
	if err := o.checkMethod(); err != nil {
		return nil, err
	}
	keys := make([]uint64, len(pool))
	for i, r := range pool {
		keys[i] = t.Key(r)
	}
	var ref, cand *model.Matrix
	if o.method().Learns {
		cols := t.Features
		enc, err := model.FitEncoder(cols, refRows, model.EncoderOptions{MaxLevels: o.MaxLevels})
		if err != nil {
			return nil, fferr.Data("encoding the features: %v", err)
		}
		ref = enc.Encode(cols, refRows)
		cand = enc.Encode(cols, pool)
	} else {
		refPos = nil
	}
	f, notices, err := o.fit(ref, refPos)
	if err != nil {
		return nil, err
	}
	sc, err := f.Score(scorer.Candidates{X: cand, Keys: keys})
	if err != nil {
		return nil, o.scoreErr(err)
	}
	for _, n := range notices {
		o.scoreNotice("%s", n)
	}
	return sc, nil
}

// ScoreCache keeps the last Scorer it prepared, decoded (its encoder, and
// its fit with any index the fit builds), for every batch scored with
// it: a runner may decode the Scorer (a side input) anew for every
// bundle, and building k-NN indexes for each would cost more than
// scoring. Whoever runs the scoring owns one (fairflip-beam's score
// stage keeps one per instance, PlanLocal one per run). The zero value
// is ready to use, and safe for concurrent use.
type ScoreCache struct {
	mu  sync.Mutex
	id  string
	enc *model.Encoder
	fit scorer.Fitted
}

// prepare returns sc's encoder (nil for a method that does not learn)
// and fit, decoded once per Scorer ID; c nil decodes them afresh.
func (c *ScoreCache) prepare(sc *Scorer, workers int) (*model.Encoder, scorer.Fitted, error) {
	if c == nil {
		c = new(ScoreCache)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if sc.fitted != nil {
		return sc.enc, sc.fitted, nil // made in this process
	}
	if c.id == sc.ID && sc.ID != "" {
		return c.enc, c.fit, nil
	}
	m, ok := scorer.Lookup(sc.Method)
	if !ok {
		return nil, nil, invariantf("the scorer's method %q is not registered", sc.Method)
	}
	var enc *model.Encoder
	if len(sc.Encoder) > 0 {
		enc = new(model.Encoder)
		if err := enc.UnmarshalBinary(sc.Encoder); err != nil {
			return nil, nil, err
		}
	}
	f, err := m.Decode(sc.Model, workers)
	if err != nil {
		return nil, nil, err
	}
	c.id, c.enc, c.fit = sc.ID, enc, f
	return enc, f, nil
}
