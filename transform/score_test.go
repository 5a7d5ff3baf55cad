package transform

import (
	"errors"
	"math"
	"reflect"
	"sync"
	"testing"

	"github.com/fairflip/fairflip/internal/fferr"
	"github.com/fairflip/fairflip/model"
	"github.com/fairflip/fairflip/scorer"
)

// cacheScorer is a Scorer of method fitted on n rows of one numeric
// feature (labels alternate), as Fit would send it, and candidates to
// score with it.
func cacheScorer(t *testing.T, method string, k int, id string) (*Scorer, []model.Column) {
	t.Helper()
	n := 40
	col := model.Column{Name: "x", Numeric: true, Num: make([]float64, n)}
	y := make([]bool, n)
	rows := make([]int, n)
	for i := range rows {
		rows[i] = i
		col.Num[i] = float64(i%7) + float64(i)/10
		y[i] = i%3 == 0
	}
	cols := []model.Column{col}
	enc, err := model.FitEncoder(cols, rows, model.EncoderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	m, _ := scorer.Lookup(method)
	f, _, err := m.Fit(scorer.Reference{X: enc.Encode(cols, rows), Y: y}, scorer.Params{K: k, Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	sc := &Scorer{Method: method, ReferenceRows: n, ID: id}
	if sc.Encoder, err = enc.MarshalBinary(); err != nil {
		t.Fatal(err)
	}
	if sc.Model, err = f.MarshalBinary(); err != nil {
		t.Fatal(err)
	}
	return sc, cols
}

// TestScoreCache: a cache prepares a Scorer once per ID, for any number
// of goroutines (run it with -race), and they all get the scores of a
// fresh preparation; without a cache every call prepares afresh.
func TestScoreCache(t *testing.T) {
	t.Parallel()
	sc, cols := cacheScorer(t, MethodRBLabel, 3, "one")
	rows := []int{0, 5, 9, 17, 33}
	keys := []uint64{0, 5, 9, 17, 33}
	score := func(c *ScoreCache, sc *Scorer) (*model.Scores, scorer.Fitted) {
		enc, f, err := c.prepare(sc, 2)
		if err != nil {
			t.Error(err)
			return nil, nil
		}
		s, err := f.Score(scorer.Candidates{X: enc.Encode(cols, rows), Keys: keys})
		if err != nil {
			t.Error(err)
		}
		return s, f
	}
	want, fresh := score(nil, sc)
	if _, again := score(nil, sc); again == fresh {
		t.Error("without a cache, a Scorer is not prepared afresh")
	}
	var c ScoreCache
	var wg sync.WaitGroup
	fits := make([]scorer.Fitted, 8)
	for g := range fits {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var s *model.Scores
			s, fits[g] = score(&c, sc)
			if !reflect.DeepEqual(s, want) {
				t.Errorf("goroutine %d: scores %v, want %v", g, s, want)
			}
		}()
	}
	wg.Wait()
	for g, f := range fits {
		if f != fits[0] {
			t.Errorf("goroutine %d got a fit of its own", g)
		}
	}
	other, _ := cacheScorer(t, MethodRBLabel, 3, "two")
	if _, f := score(&c, other); f == fits[0] {
		t.Error("a Scorer of another ID gets the cached fit")
	}
	// A decoded fit scores as the fit itself did, bit for bit: the
	// random method, from its seed alone.
	rs := &Scorer{Method: MethodRandom, ID: "r"}
	m, _ := scorer.Lookup(MethodRandom)
	f, _, _ := m.Fit(scorer.Reference{}, scorer.Params{Seed: 9})
	rs.Model, _ = f.MarshalBinary()
	_, g, err := c.prepare(rs, 1)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := f.Score(scorer.Candidates{Keys: keys})
	b, _ := g.Score(scorer.Candidates{Keys: keys})
	for i := range keys {
		if math.Float64bits(a.Primary[i]) != math.Float64bits(b.Primary[i]) {
			t.Errorf("key %d: %v decoded, %v fitted", keys[i], b.Primary[i], a.Primary[i])
		}
	}
}

// TestScoreErrWording: the caller words a method's refusal as bad data,
// naming the method.
func TestScoreErrWording(t *testing.T) {
	t.Parallel()
	o := &Options{}
	o.Method = MethodRBProb
	if err := o.scoreErr(errors.New("a fit failed")); err.Error() != "rb-prob: a fit failed" {
		t.Errorf("another error: %v", err)
	}
	o = &Options{Config: Config{Method: "rb-nothing"}}
	if err := o.checkMethod(); !errors.Is(err, fferr.ErrUsage) || !errors.Is(err, ErrConfig) || err.Error() != `method "rb-nothing": want one of rb-prob, rb-label, rb-dist, random` {
		t.Errorf("unknown method: %v", err)
	}
}
