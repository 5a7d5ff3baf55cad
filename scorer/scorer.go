// Package scorer holds the ways to score a flip's candidate pool (the
// methods: rb-prob, rb-label, rb-dist, random), each in its own file, and
// the registry that every caller takes them from: flip's one-process and
// staged runs, fairflip-beam, sweep, the command line's help and the
// plots.
//
// A method is fitted once (Method.Fit, on the reference rows' encoded
// features and labels) and gives a Fitted, which scores candidates in
// batches and travels to other processes as bytes (MarshalBinary, then
// Method.Decode). The scores of a candidate are its Primary score (higher
// first), its Secondary score (the tie-break) and, for a method with
// Auto, its estimated counterfactual label (Positive, what "--flips auto"
// flips). Compare is the one rule that orders candidates for flipping.
//
// Adding a method is one file, which defines its *Method, plus one line in
// the list of builtin (below); a method defined outside this package is
// added with Register. Errors are for the caller to word: a method names
// no command-line flag in its errors. What a tiny reference does to each
// method (fewer rows than k, one label) is a notice of its Fit, not an
// error.
package scorer

import (
	"bytes"
	"cmp"
	"encoding"
	"encoding/gob"
	"errors"
	"fmt"
	"math"
	"slices"
	"sync"

	"github.com/fairflip/fairflip/model"
)

// builtin lists fairflip's methods, in the order the help, sweep's default
// grid and the plots show them.
var builtin = []*Method{
	rbProb,
	rbLabel,
	rbDist,
	random,
}

// Method is a way to score the candidates.
type Method struct {
	// Name is what --method takes and what audit cells, summaries, sweep
	// results and plot legends show.
	Name string
	// Help says in one line what the score is.
	Help string
	// Learns: the method is fitted on the reference rows' encoded features
	// and labels, and scores the candidates' encoded features. A method
	// that does not learn sees only the candidates' row keys: the caller
	// reads no feature and needs no reference.
	Learns bool
	// Auto: the scores include an estimate of each candidate's
	// counterfactual label (Scores.Positive); without it "--flips auto"
	// cannot be used.
	Auto bool
	// UsesK: the method uses Params.K, the number of neighbours.
	UsesK bool
	// Seeded: the scores depend on Params.Seed (not only on the
	// reference and the candidates).
	Seeded bool

	// Fit fits the method. For a method that does not learn, ref is
	// empty. The notices say what the user should know about the fit (a
	// reference of one label, a model that did not converge).
	Fit func(ref Reference, p Params) (f Fitted, notices []string, err error)
	// Decode reads a Fitted written by its MarshalBinary, to score with
	// workers goroutines (0: GOMAXPROCS).
	Decode func(data []byte, workers int) (Fitted, error)
}

// Reference is what a method learns from: the reference rows' encoded
// features and their labels (true: positive).
type Reference struct {
	X *model.Matrix
	Y []bool
}

// Params are the settings of a fit.
type Params struct {
	K       int    // neighbours (a method with UsesK)
	Seed    uint64 // the run's seed (a method with Seeded)
	Workers int    // goroutines (0: GOMAXPROCS); never changes a score
}

// Candidates are the rows to score: their encoded features (nil for a
// method that does not learn) and their row keys, in the same order.
type Candidates struct {
	X    *model.Matrix
	Keys []uint64
}

// Fitted is a fitted method.
type Fitted interface {
	// Score scores the candidates, in their order. Scoring them in
	// batches gives each candidate the scores it gets when all are scored
	// at once. Positive is nil for a method without Auto.
	Score(c Candidates) (*model.Scores, error)
	// MarshalBinary writes the fit for Method.Decode: the decoded fit
	// gives the same scores, bit for bit.
	encoding.BinaryMarshaler
}

// Preparer is a Fitted that builds, ahead of its first Score, what that
// Score would build (the k-NN indexes): a runner that times its stages
// calls it before scoring. Prepare changes no score; an error it meets
// is the first Score's.
type Preparer interface {
	Prepare()
}

// registry is the methods, in order. It is written at start-up (the
// builtin methods, and Register) and read after.
var registry struct {
	sync.RWMutex
	list []*Method
}

func init() {
	for _, m := range builtin {
		if err := Register(m); err != nil {
			panic(err) // a builtin method is malformed: a bug
		}
	}
}

// Register adds a method after those registered before it. It refuses a
// method without a name, Fit or Decode, or whose name is taken.
func Register(m *Method) error {
	if m == nil || m.Name == "" || m.Fit == nil || m.Decode == nil {
		return errors.New("scorer: a method needs a name, Fit and Decode")
	}
	registry.Lock()
	defer registry.Unlock()
	for _, r := range registry.list {
		if r.Name == m.Name {
			return fmt.Errorf("scorer: method %q is registered already", m.Name)
		}
	}
	c := *m
	registry.list = append(registry.list, &c)
	return nil
}

// Lookup returns the method of that name.
func Lookup(name string) (Method, bool) {
	registry.RLock()
	defer registry.RUnlock()
	for _, m := range registry.list {
		if m.Name == name {
			return *m, true
		}
	}
	return Method{}, false
}

// Index returns the position of the named method in the registry, -1 if
// there is none: the order of the help, the reports and the plots.
func Index(name string) int {
	registry.RLock()
	defer registry.RUnlock()
	return slices.IndexFunc(registry.list, func(m *Method) bool { return m.Name == name })
}

// Methods returns every method, in order.
func Methods() []Method {
	registry.RLock()
	defer registry.RUnlock()
	out := make([]Method, len(registry.list))
	for i, m := range registry.list {
		out[i] = *m
	}
	return out
}

// Names returns the name of every method, in order.
func Names() []string {
	var out []string
	for _, m := range Methods() {
		out = append(out, m.Name)
	}
	return out
}

// Scored is a candidate with its scores.
type Scored struct {
	Key                uint64
	Primary, Secondary float64
	Positive           bool
}

// Compare orders candidates for flipping, best first: by primary score,
// then secondary score (both descending, NaN last), then row key
// (ascending). Keys are unique, so the order is total.
func Compare(a, b Scored) int {
	key := func(x float64) float64 {
		if math.IsNaN(x) {
			return math.Inf(-1)
		}
		return x
	}
	if c := cmp.Compare(key(b.Primary), key(a.Primary)); c != 0 {
		return c
	}
	if c := cmp.Compare(key(b.Secondary), key(a.Secondary)); c != 0 {
		return c
	}
	return cmp.Compare(a.Key, b.Key)
}

// Rank returns the positions of keys (and of their scores in s) in flip
// order (Compare).
func Rank(keys []uint64, s *model.Scores) []int {
	order := make([]int, len(keys))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(i, j int) int {
		return Compare(Scored{Key: keys[i], Primary: s.Primary[i], Secondary: s.Secondary[i]},
			Scored{Key: keys[j], Primary: s.Primary[j], Secondary: s.Secondary[j]})
	})
	return order
}

// singleLabel describes a reference whose labels are all the same: who
// says so ("all 20 reference rows are negative", "the only reference row
// is positive") and positive is the label. ok is false if both labels
// occur, or there are none.
func singleLabel(y []bool) (who string, positive, ok bool) {
	if len(y) == 0 {
		return "", false, false
	}
	for _, v := range y[1:] {
		if v != y[0] {
			return "", false, false
		}
	}
	label := "negative"
	if y[0] {
		label = "positive"
	}
	if len(y) == 1 {
		return "the only reference row is " + label, y[0], true
	}
	return fmt.Sprintf("all %d reference rows are %s", len(y), label), y[0], true
}

// gobBytes and gobValue are the wire form of a fit that needs no other.
// gobBytes must not be given a value whose type has MarshalBinary (gob
// would call it).
func gobBytes(v any) ([]byte, error) {
	var b bytes.Buffer
	err := gob.NewEncoder(&b).Encode(v)
	return b.Bytes(), err
}

func gobValue[T any](data []byte, what string) (*T, error) {
	v := new(T)
	if err := gob.NewDecoder(bytes.NewReader(data)).Decode(v); err != nil {
		return nil, fmt.Errorf("scorer: decoding a fitted %s: %w", what, err)
	}
	return v, nil
}

// scoreZeroNotice is what a reference of negative labels only means for a
// method that then scores every candidate 0.
const scoreZeroNotice = "every candidate gets the score 0: --flips auto flips none, and a count or share takes candidates in row order"
