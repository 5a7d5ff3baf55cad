package scorer

import (
	"fmt"

	"github.com/fairflip/fairflip/model"
)

// rbProb scores by a logistic regression fitted on the reference rows:
// Primary = Secondary = P(y=1 | x); Positive = Primary > 0.5.
//
// If every reference label is the same there is nothing to fit (the
// intercept would have no finite optimum, and the weights would only fit
// rounding noise): every candidate gets the score 1 (all positive) or 0
// (all negative), and Positive is that label. The probabilities are
// always finite: L2 regularisation bounds the weights even on separable
// data, and the encoder bounds the features.
var rbProb = &Method{
	Name:   "rb-prob",
	Help:   "the probability of a positive label from a logistic regression fitted on the reference rows (auto: p > 0.5)",
	Learns: true,
	Auto:   true,
	Fit:    fitRBProb,
	Decode: func(data []byte, _ int) (Fitted, error) { return gobValue[rbProbFit](data, "rb-prob") },
}

// rbProbFit is a fitted rb-prob.
type rbProbFit struct {
	// Single: every reference label is SinglePositive, and LogReg is nil.
	Single, SinglePositive bool
	LogReg                 *model.LogReg
}

func fitRBProb(ref Reference, p Params) (Fitted, []string, error) {
	if who, positive, ok := singleLabel(ref.Y); ok {
		what := scoreZeroNotice
		if positive {
			what = "every candidate gets the score 1: --flips auto flips them all, and a count or share takes candidates in row order"
		}
		return &rbProbFit{Single: true, SinglePositive: positive}, []string{who + ": " + what}, nil
	}
	lr, err := model.FitLogReg(ref.X, ref.Y, model.LogRegOptions{Workers: p.Workers})
	if err != nil {
		return nil, nil, err
	}
	var notices []string
	if !lr.Converged {
		notices = append(notices, fmt.Sprintf("the majority model did not converge in %d iterations; its scores are used as they are", lr.Iter))
	}
	return &rbProbFit{LogReg: lr}, notices, nil
}

func (f *rbProbFit) Score(c Candidates) (*model.Scores, error) {
	n := c.X.N
	s := &model.Scores{Primary: make([]float64, n), Positive: make([]bool, n)}
	for i := range s.Primary {
		p := 0.0
		switch {
		case f.Single && f.SinglePositive:
			p = 1
		case f.LogReg != nil:
			p = f.LogReg.Prob(c.X, i)
		}
		s.Primary[i] = p
		s.Positive[i] = p > 0.5
		if f.Single {
			s.Positive[i] = f.SinglePositive
		}
	}
	s.Secondary = s.Primary
	return s, nil
}

func (f *rbProbFit) MarshalBinary() ([]byte, error) {
	type wire rbProbFit // its fields, without this method
	return gobBytes((*wire)(f))
}
