package scorer

import (
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/fairflip/fairflip/internal/rowhash"
	"github.com/fairflip/fairflip/model"
)

func TestBuiltinOrder(t *testing.T) {
	t.Parallel()
	want := []string{"rb-prob", "rb-label", "rb-dist", "random"}
	if got := Names(); !reflect.DeepEqual(got, want) {
		t.Fatalf("Names() = %q, want %q", got, want)
	}
	for i, n := range want {
		if Index(n) != i {
			t.Errorf("Index(%q) = %d, want %d", n, Index(n), i)
		}
		m, ok := Lookup(n)
		if !ok || m.Name != n || m.Help == "" {
			t.Errorf("Lookup(%q) = %+v, %v", n, m, ok)
		}
		if strings.Contains(m.Help, "\n") {
			t.Errorf("%s: the help is more than one line: %q", n, m.Help)
		}
	}
	if _, ok := Lookup("rb-nothing"); ok || Index("rb-nothing") != -1 {
		t.Error("an unknown name is found")
	}
	// What the callers ask of each method.
	for _, c := range []struct {
		name                        string
		learns, auto, usesK, seeded bool
	}{
		{"rb-prob", true, true, false, false},
		{"rb-label", true, true, true, false},
		{"rb-dist", true, true, true, false},
		{"random", false, false, false, true},
	} {
		m, _ := Lookup(c.name)
		if m.Learns != c.learns || m.Auto != c.auto || m.UsesK != c.usesK || m.Seeded != c.seeded {
			t.Errorf("%s: Learns %v Auto %v UsesK %v Seeded %v", c.name, m.Learns, m.Auto, m.UsesK, m.Seeded)
		}
	}
}

func TestRegisterRefuses(t *testing.T) {
	t.Parallel()
	fit := func(Reference, Params) (Fitted, []string, error) { return nil, nil, nil }
	dec := func([]byte, int) (Fitted, error) { return nil, nil }
	for _, m := range []*Method{nil, {Fit: fit, Decode: dec}, {Name: "x", Decode: dec}, {Name: "x", Fit: fit}, {Name: "rb-prob", Fit: fit, Decode: dec}} {
		if err := Register(m); err == nil {
			t.Errorf("Register(%+v) is accepted", m)
		}
	}
	if got := len(Names()); got != 4 {
		t.Errorf("%d methods after refused registrations", got)
	}
}

// matrix returns n rows of p numbers and one categorical feature of 3
// levels, seeded.
func matrix(n, p int, seed uint64) *model.Matrix {
	r := rand.New(rand.NewPCG(seed, 1))
	m := &model.Matrix{N: n, P: p, Q: 1, Card: []int{3}}
	for i := 0; i < n*p; i++ {
		m.Num = append(m.Num, r.NormFloat64())
	}
	for i := 0; i < n; i++ {
		m.Cat = append(m.Cat, int32(r.IntN(3)))
	}
	return m
}

func labels(x *model.Matrix) []bool {
	y := make([]bool, x.N)
	for i := range y {
		y[i] = x.Num[i*x.P]+0.5*x.Num[i*x.P+1] > 0.2
	}
	return y
}

func keysOf(n int) []uint64 {
	k := make([]uint64, n)
	for i := range k {
		k[i] = uint64(3*i + 1)
	}
	return k
}

func same(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Float64bits(a[i]) != math.Float64bits(b[i]) {
			return false
		}
	}
	return true
}

func sameScores(t *testing.T, what string, got, want *model.Scores) {
	t.Helper()
	if !same(got.Primary, want.Primary) || !same(got.Secondary, want.Secondary) || !reflect.DeepEqual(got.Positive, want.Positive) {
		t.Errorf("%s: the scores differ", what)
	}
}

// TestSameAsModel: each RB method scores exactly as the model's own
// one-call form (model.RBProb, RBLabel, RBDist), bit for bit, also after
// its fit went through MarshalBinary and Decode, and also when the
// candidates are scored in two batches.
func TestSameAsModel(t *testing.T) {
	t.Parallel()
	ref, cand := matrix(300, 3, 1), matrix(80, 3, 2)
	y := labels(ref)
	keys := keysOf(cand.N)
	p := Params{K: 7, Seed: 3, Workers: 2}
	want := map[string]*model.Scores{}
	var err error
	if want["rb-prob"], _, err = model.RBProb(ref, y, cand, model.LogRegOptions{Workers: 2}); err != nil {
		t.Fatal(err)
	}
	if want["rb-label"], err = model.RBLabel(ref, y, cand, p.K, 2); err != nil {
		t.Fatal(err)
	}
	if want["rb-dist"], err = model.RBDist(ref, y, cand, p.K, 2); err != nil {
		t.Fatal(err)
	}
	for name, w := range want {
		m, _ := Lookup(name)
		f, notices, err := m.Fit(Reference{X: ref, Y: y}, p)
		if err != nil || len(notices) != 0 {
			t.Fatalf("%s: fit: %v, notices %q", name, err, notices)
		}
		got, err := f.Score(Candidates{X: cand, Keys: keys})
		if err != nil {
			t.Fatal(err)
		}
		sameScores(t, name, got, w)
		data, err := f.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		g, err := m.Decode(data, 1)
		if err != nil {
			t.Fatal(err)
		}
		half := cand.N / 2
		a, err := g.Score(Candidates{X: cand.Subset(seq(0, half)), Keys: keys[:half]})
		if err != nil {
			t.Fatal(err)
		}
		b, err := g.Score(Candidates{X: cand.Subset(seq(half, cand.N)), Keys: keys[half:]})
		if err != nil {
			t.Fatal(err)
		}
		joined := &model.Scores{Primary: append(a.Primary, b.Primary...), Secondary: append(a.Secondary, b.Secondary...), Positive: append(a.Positive, b.Positive...)}
		sameScores(t, name+" decoded, in two batches", joined, w)
	}
}

func seq(lo, hi int) []int {
	var s []int
	for i := lo; i < hi; i++ {
		s = append(s, i)
	}
	return s
}

func TestRandom(t *testing.T) {
	t.Parallel()
	m, _ := Lookup("random")
	f, notices, err := m.Fit(Reference{}, Params{Seed: 42})
	if err != nil || notices != nil {
		t.Fatal(err, notices)
	}
	data, _ := f.MarshalBinary()
	g, err := m.Decode(data, 0)
	if err != nil {
		t.Fatal(err)
	}
	keys := []uint64{0, 5, 1 << 40, rowhash.RefKeyBase - 1}
	s, err := g.Score(Candidates{Keys: keys})
	if err != nil {
		t.Fatal(err)
	}
	for i, k := range keys {
		if want := rowhash.Uniform(42, rowhash.Random, k); s.Primary[i] != want || s.Secondary[i] != want {
			t.Errorf("key %d: %v, %v; want %v", k, s.Primary[i], s.Secondary[i], want)
		}
	}
	if s.Positive != nil {
		t.Error("random estimates labels")
	}
	if _, err := m.Decode(data[:7], 0); err == nil {
		t.Error("7 bytes decode")
	}
}

// TestRefusals: the errors callers word by kind, and the notices of a
// reference of one label.
func TestRefusals(t *testing.T) {
	t.Parallel()
	ref, cand := matrix(20, 2, 5), matrix(4, 2, 6)
	neg, pos := make([]bool, 20), make([]bool, 20)
	for i := range pos {
		pos[i] = true
	}
	score := func(name string, y []bool, k int) ([]string, *model.Scores, error) {
		m, _ := Lookup(name)
		f, notices, err := m.Fit(Reference{X: ref, Y: y}, Params{K: k})
		if err != nil {
			return notices, nil, err
		}
		s, err := f.Score(Candidates{X: cand, Keys: keysOf(cand.N)})
		return notices, s, err
	}
	notices, s, err := score("rb-dist", neg, 3)
	if err != nil || len(notices) != 1 || notices[0] != "all 20 reference rows are negative: "+scoreZeroNotice || s.Primary[0] != 0 || s.Positive[0] {
		t.Errorf("rb-dist, no positive rows: %q %v %v", notices, s, err)
	}
	notices, s, err = score("rb-prob", pos, 3)
	if err != nil || len(notices) != 1 || !strings.HasPrefix(notices[0], "all 20 reference rows are positive: every candidate gets the score 1") || s.Primary[0] != 1 || !s.Positive[0] {
		t.Errorf("rb-prob, all positive: %q %v %v", notices, s, err)
	}
	notices, s, err = score("rb-label", pos, 3)
	if err != nil || len(notices) != 1 || !strings.Contains(notices[0], "every candidate gets the score 3") || s.Primary[0] != 3 {
		t.Errorf("rb-label, all positive: %q %v", notices, err)
	}
	// k = 50 of 20 rows: the score is over all 20.
	notices, s, err = score("rb-label", pos, 50)
	if err != nil || len(notices) != 1 || !strings.Contains(notices[0], "every candidate gets the score 20") || s.Primary[0] != 20 {
		t.Errorf("rb-label, all positive, k 50: %q %v", notices, err)
	}
	notices, _, err = score("rb-label", neg, 3)
	if err != nil || len(notices) != 1 || notices[0] != "all 20 reference rows are negative: "+scoreZeroNotice {
		t.Errorf("rb-label, all negative: %q %v", notices, err)
	}
	if who, _, ok := singleLabel([]bool{true}); !ok || who != "the only reference row is positive" {
		t.Errorf("one row: %q", who)
	}
}

// TestCompare: the order of the flip, against its definition written
// out: primary descending with NaN last, then secondary so, then key.
func TestCompare(t *testing.T) {
	t.Parallel()
	nan, inf := math.NaN(), math.Inf(1)
	items := []Scored{
		{Key: 9, Primary: 0.5, Secondary: 1},
		{Key: 2, Primary: nan, Secondary: 5},
		{Key: 4, Primary: 0.5, Secondary: 1},
		{Key: 1, Primary: 0.5, Secondary: nan},
		{Key: 7, Primary: inf, Secondary: 0},
		{Key: 3, Primary: 0.5, Secondary: 2},
		{Key: 8, Primary: math.Inf(-1), Secondary: 9},
		{Key: 5, Primary: nan, Secondary: nan},
		{Key: 6, Primary: math.Copysign(0, -1), Secondary: 0},
		{Key: 0, Primary: 0, Secondary: 0},
	}
	want := []uint64{7, 3, 4, 9, 1, 0, 6, 8, 2, 5}
	got := slices.Clone(items)
	slices.SortFunc(got, Compare)
	var keys []uint64
	for _, s := range got {
		keys = append(keys, s.Key)
	}
	if !reflect.DeepEqual(keys, want) {
		t.Errorf("order %v, want %v", keys, want)
	}
	// Rank gives the same order from keys and scores.
	k := make([]uint64, len(items))
	sc := &model.Scores{}
	for i, s := range items {
		k[i] = s.Key
		sc.Primary = append(sc.Primary, s.Primary)
		sc.Secondary = append(sc.Secondary, s.Secondary)
	}
	keys = keys[:0]
	for _, i := range Rank(k, sc) {
		keys = append(keys, k[i])
	}
	if !reflect.DeepEqual(keys, want) {
		t.Errorf("Rank: %v, want %v", keys, want)
	}
}

// TestFewerRowsThanK: a reference of 10 rows (4 positive, 6 negative) and
// k = 10: each k-NN method scores, searching the rows it has whole, and
// says so once; with k = 4 nothing is said. The scores are those of the
// same method with the k that the rows allow, bit for bit.
func TestFewerRowsThanK(t *testing.T) {
	t.Parallel()
	ref, cand := matrix(10, 2, 7), matrix(30, 2, 8)
	y := []bool{true, false, true, false, false, true, false, false, true, false}
	keys := keysOf(cand.N)
	fit := func(name string, k int) ([]string, *model.Scores) {
		t.Helper()
		m, _ := Lookup(name)
		f, notices, err := m.Fit(Reference{X: ref, Y: y}, Params{K: k, Workers: 1})
		if err != nil {
			t.Fatal(err)
		}
		s, err := f.Score(Candidates{X: cand, Keys: keys})
		if err != nil {
			t.Fatalf("%s k=%d: %v", name, k, err)
		}
		return notices, s
	}
	for _, c := range []struct {
		name, notice string
	}{
		{"rb-label", "k = 11 covers all 10 reference rows: rb-label's count is over all of them, the same (4) for every candidate, so the order is its tie-break, the mean distance to all 4 positive rows, and --flips auto flips none"},
		{"rb-dist", "the reference has 4 positive and 6 negative rows, fewer than k = 11: rb-dist's score is the mean distance to all 4 positive rows, and its auto rule compares it with the mean distance to all 6 negative rows"},
	} {
		notices, s := fit(c.name, 11)
		if len(notices) != 1 || notices[0] != c.notice {
			t.Errorf("%s: notices %q, want %q", c.name, notices, c.notice)
		}
		for i := range s.Primary {
			if math.IsNaN(s.Primary[i]) || math.IsNaN(s.Secondary[i]) {
				t.Fatalf("%s: NaN score for candidate %d", c.name, i)
			}
		}
		// Not all ties: the order is by a score that varies.
		if d := len(distinct(s.Primary)) + len(distinct(s.Secondary)); d <= 2 {
			t.Errorf("%s: every candidate has the same scores", c.name)
		}
		if notices, _ := fit(c.name, 4); len(notices) != 0 {
			t.Errorf("%s k=4: notices %q", c.name, notices)
		}
	}
	_, label11 := fit("rb-label", 11)
	n, label10 := fit("rb-label", 10)
	if len(n) != 1 || !strings.HasPrefix(n[0], "k = 10 covers all 10 reference rows") {
		t.Errorf("rb-label k=10: %q", n)
	}
	if n, _ := fit("rb-label", 9); len(n) != 1 || n[0] != "the reference has 4 positive rows, fewer than k = 9: rb-label's tie-break is the mean distance to all 4" {
		t.Errorf("rb-label k=9: %q", n)
	}
	sameScores(t, "rb-label, k 11 and 10 of 10 rows", label11, label10)
	_, dist11 := fit("rb-dist", 11)
	_, dist10 := fit("rb-dist", 10)
	sameScores(t, "rb-dist, k 11 and 10 of 10 rows", dist11, dist10)
	if n, _ := fit("rb-dist", 5); len(n) != 1 || !strings.HasPrefix(n[0], "the reference has 4 positive rows, fewer than k = 5") {
		t.Errorf("rb-dist k=5: %q", n)
	}
}

func distinct(x []float64) map[float64]bool {
	m := map[float64]bool{}
	for _, v := range x {
		m[v] = true
	}
	return m
}
