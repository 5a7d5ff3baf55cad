package scorer

import (
	"fmt"
	"sync"

	"github.com/fairflip/fairflip/model"
)

// knnFit is a fitted rb-label or rb-dist: the encoded reference and its
// labels. Its k-NN indexes are built by the first Score (model.KNNScorer),
// so that a fit without candidates costs nothing.
type knnFit struct {
	K    int
	Dist bool // rb-dist, else rb-label
	Ref  *model.Matrix
	RefY []bool

	workers int
	once    sync.Once
	knn     *model.KNNScorer
	err     error
}

func fitKNN(ref Reference, p Params, dist bool) *knnFit {
	return &knnFit{K: p.K, Dist: dist, Ref: ref.X, RefY: ref.Y, workers: p.Workers}
}

func decodeKNN(data []byte, workers int) (Fitted, error) {
	f, err := gobValue[knnFit](data, "k-NN scorer")
	if err != nil {
		return nil, err
	}
	f.workers = workers
	return f, nil
}

// Prepare builds the k-NN indexes (Preparer).
func (f *knnFit) Prepare() {
	f.once.Do(func() {
		f.knn, f.err = model.NewKNNScorer(f.Ref, f.RefY, f.K, f.workers, f.Dist)
	})
}

func (f *knnFit) Score(c Candidates) (*model.Scores, error) {
	f.Prepare()
	if f.err != nil {
		return nil, f.err
	}
	return f.knn.Score(c.X)
}

// fewerThanK says which of the reference's rows a k-NN method searches
// whole because there are fewer than k of them (model.EffectiveK): for
// rb-label (dist false) all rows (its count: with k or fewer rows it is
// the same for every candidate) and the positive rows (its tie-break);
// for rb-dist the positive rows (its score) and the negative rows (its
// auto rule). Empty when every search finds more rows than k, or when the
// reference has one label (singleLabel's notice says what happens then).
func fewerThanK(y []bool, k int, dist bool) string {
	if _, _, single := singleLabel(y); single || k < 1 {
		return ""
	}
	pos := 0
	for _, v := range y {
		if v {
			pos++
		}
	}
	neg := len(y) - pos
	var what string
	switch {
	case !dist && len(y) <= k:
		// (Both labels occur, so there are fewer than k positive rows too.)
		auto := "none"
		if 2*pos > len(y) {
			auto = "all"
		}
		what = fmt.Sprintf("k = %d covers all %d reference rows: rb-label's count is over all of them, the same (%d) for every candidate, so the order is its tie-break, the mean distance to all %d positive rows, and --flips auto flips %s", k, len(y), pos, pos, auto)
	case !dist && pos < k:
		what = fmt.Sprintf("the reference has %d positive rows, fewer than k = %d: rb-label's tie-break is the mean distance to all %d", pos, k, pos)
	case dist && pos < k && neg < k:
		what = fmt.Sprintf("the reference has %d positive and %d negative rows, fewer than k = %d: rb-dist's score is the mean distance to all %d positive rows, and its auto rule compares it with the mean distance to all %d negative rows", pos, neg, k, pos, neg)
	case dist && pos < k:
		what = fmt.Sprintf("the reference has %d positive rows, fewer than k = %d: rb-dist's score is the mean distance to all %d", pos, k, pos)
	case dist && neg < k:
		what = fmt.Sprintf("the reference has %d negative rows, fewer than k = %d: rb-dist's auto rule compares with the mean distance to all %d", neg, k, neg)
	}
	return what
}

func (f *knnFit) MarshalBinary() ([]byte, error) {
	type wire knnFit // its exported fields, without this method
	return gobBytes((*wire)(f))
}
