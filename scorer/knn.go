package scorer

import (
	"errors"
	"sync"

	"github.com/fairflip/fairflip/model"
)

// knnFit is a fitted rb-label or rb-dist: the encoded reference and its
// labels. Its k-NN indexes are built by the first Score (model.KNNScorer),
// so that a reference the method refuses (too few rows for k) is refused
// only when there are candidates to score.
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

func (f *knnFit) Score(c Candidates) (*model.Scores, error) {
	f.once.Do(func() {
		f.knn, f.err = model.NewKNNScorer(f.Ref, f.RefY, f.K, f.workers, f.Dist)
	})
	if f.err != nil {
		return nil, knnErr(f.err)
	}
	s, err := f.knn.Score(c.X)
	if err != nil {
		return nil, knnErr(err)
	}
	return s, nil
}

// knnErr marks every refusal but that of a reference without positive
// rows as one of neighbours (k is larger than the rows searched).
func knnErr(err error) error {
	if errors.Is(err, ErrNoPositive) {
		return err
	}
	return neighboursError{err}
}

func (f *knnFit) MarshalBinary() ([]byte, error) {
	type wire knnFit // its exported fields, without this method
	return gobBytes((*wire)(f))
}
