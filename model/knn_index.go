package model

import (
	"math"
	"slices"
)

// knnTree is an exact index for KNN: a kd-tree over the mixed metric
//
//	d² = Σ_p (Num_p − Num'_p)² + 2·#{q : Cat_q ≠ Cat'_q}.
//
// Each node splits its rows either on a numeric feature (rows below the
// mean go left) or on a categorical feature (its codes are partitioned into
// two sets of about equal row counts), whichever feature contributes the
// most to the mean squared distance between two rows of the node (2·var for
// a numeric feature, 2·(1 − Σ_c f_c²) for a categorical one). Each node
// keeps the bounding box of its numeric values and, per categorical
// feature, a 64-bit mask of the codes present (bit code mod 64, so the mask
// over-approximates the set for features with more than 64 codes).
//
// The lower bound of a node for a query is computed with the same
// floating-point operations, in the same order, as the distance of any of
// its rows: Σ_p gap_p², numeric features in order, then + 2·(number of the
// query's codes absent from the node). Every term is ≤ the corresponding
// term of the row's distance (float subtraction, squaring and addition of
// non-negative values are monotone), so the bound is ≤ the computed
// distance exactly, with no rounding slack. A node is pruned only if its
// bound exceeds the current k-th best distance, or equals it and all its
// rows have a larger index than the current k-th best (so none could enter
// by the lower-index tie rule). Search results are therefore identical to
// the brute-force scan's.
type knnTree struct {
	P, Q  int
	num   []float64 // rows in tree order, N×P
	cat   []int32   // rows in tree order, N×Q
	idx   []int32   // original index of each row in tree order
	nodes []knnNode
	lo    []float64 // per node, P lower corners
	hi    []float64 // per node, P upper corners
	mask  []uint64  // per node, Q code masks
}

type knnNode struct {
	start, end  int32 // rows [start, end) in tree order
	left, right int32 // children, -1 for a leaf
	minIdx      int32 // smallest original index in the node
}

const (
	knnLeafSize = 24
	knnMaxDepth = 80
)

// knnIndexMinRef is the smallest reference size for which Query builds the
// index (below it the brute-force scan is about as fast as the build).
const knnIndexMinRef = 4096

// knnIndexMinQuery is the smallest number of query rows for which Query
// builds the index.
const knnIndexMinQuery = 32

// knnParallelRows is the size of the subtrees that newKNNTree builds in
// parallel (the nodes above them are built first, by one goroutine). The
// tree does not depend on the number of workers. KNN.parallelRows
// overrides it (tests build with many small subtrees).
const knnParallelRows = 1 << 15

// reserve makes room for n nodes in all (appending nodes one by one would
// copy the node arrays many times over: tens of MB at a million rows).
func (t *knnTree) reserve(n int) {
	t.nodes = slices.Grow(t.nodes, max(0, n-len(t.nodes)))
	t.lo = slices.Grow(t.lo, max(0, n*t.P-len(t.lo)))
	t.hi = slices.Grow(t.hi, max(0, n*t.P-len(t.hi)))
	t.mask = slices.Grow(t.mask, max(0, n*t.Q-len(t.mask)))
}

// newKNNTree builds the index of ref with up to workers goroutines
// (workers < 1 means runtime.GOMAXPROCS(0)), building subtrees of at most
// parallelRows rows in parallel (0 means knnParallelRows), or returns nil
// if ref cannot be indexed (non-finite numeric values, or too many rows for
// int32 indices). With inPlace the index takes ref's Num and Cat and
// reorders them into tree order (ref is left untouched if it returns nil);
// else it copies them.
func newKNNTree(ref *Matrix, workers, parallelRows int, inPlace bool) *knnTree {
	if ref.N >= math.MaxInt32 {
		return nil
	}
	for _, v := range ref.Num {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil
		}
	}
	P, Q := ref.P, ref.Q
	t := &knnTree{P: P, Q: Q, num: ref.Num, cat: ref.Cat, idx: make([]int32, ref.N)}
	if !inPlace {
		t.num = append([]float64(nil), ref.Num...)
		t.cat = append([]int32(nil), ref.Cat...)
	}
	for i := range t.idx {
		t.idx[i] = int32(i)
	}
	if ref.N == 0 {
		return t
	}
	// The top of the tree, leaving the subtrees of at most
	// parallelRows rows as tasks.
	if parallelRows <= 0 {
		parallelRows = knnParallelRows
	}
	b := newKNNBuilder(t, ref.Card)
	b.tasks = []knnTask{}
	b.taskRows = parallelRows
	b.build(0, ref.N, 0)
	if len(b.tasks) == 0 {
		return t
	}
	// The tasks, in parallel, each into its own fragment of nodes.
	frags := make([]*knnTree, len(b.tasks))
	forChunks(len(b.tasks), resolveWorkers(workers), func(c int) {
		f := &knnTree{P: P, Q: Q, num: t.num, cat: t.cat, idx: t.idx}
		task := b.tasks[c]
		f.reserve(2*(task.end-task.start)/knnLeafSize + 1)
		newKNNBuilder(f, ref.Card).build(task.start, task.end, task.depth)
		frags[c] = f
	})
	// Append the fragments in task order and link them to their parents.
	top := len(t.nodes)
	more := 0
	for _, f := range frags {
		more += len(f.nodes)
	}
	t.reserve(top + more)
	roots := make([]int32, len(frags))
	for c, f := range frags {
		off := int32(len(t.nodes))
		roots[c] = off
		for _, nd := range f.nodes {
			if nd.left >= 0 {
				nd.left += off
				nd.right += off
			}
			t.nodes = append(t.nodes, nd)
		}
		t.lo = append(t.lo, f.lo...)
		t.hi = append(t.hi, f.hi...)
		t.mask = append(t.mask, f.mask...)
	}
	for i := range t.nodes[:top] {
		nd := &t.nodes[i]
		if nd.left <= knnTaskRef {
			nd.left = roots[knnTaskRef-nd.left]
		}
		if nd.right <= knnTaskRef {
			nd.right = roots[knnTaskRef-nd.right]
		}
	}
	return t
}

// knnTask is a subtree left for later by a knnBuilder.
type knnTask struct{ start, end, depth int }

// knnTaskRef is the child id standing for task 0 (knnTaskRef − c stands
// for task c) until the tasks are built.
const knnTaskRef = -2

func newKNNBuilder(t *knnTree, card []int) *knnBuilder {
	P, Q := t.P, t.Q
	b := &knnBuilder{t: t, card: card}
	b.counts = make([][]int, Q)
	b.side = make([][]bool, Q)
	for q, c := range card {
		b.counts[q] = make([]int, c)
		b.side[q] = make([]bool, c)
	}
	b.mean = make([]float64, P)
	b.vr = make([]float64, P)
	b.lo = make([]float64, P)
	b.hi = make([]float64, P)
	b.mask = make([]uint64, Q)
	return b
}

// knnBuilder builds a knnTree, reordering its rows (num, cat, idx) in
// place so that every node's rows are contiguous.
type knnBuilder struct {
	t        *knnTree
	card     []int
	tasks    []knnTask // if not nil, subtrees of ≤ taskRows rows go here
	taskRows int
	lo, hi   []float64
	mask     []uint64
	counts   [][]int
	side     [][]bool
	mean     []float64
	vr       []float64
	order    []int32
}

// build makes the node for rows [start, end) and returns its id.
func (b *knnBuilder) build(start, end, depth int) int32 {
	t := b.t
	id := int32(len(t.nodes))
	t.nodes = append(t.nodes, knnNode{start: int32(start), end: int32(end), left: -1, right: -1})
	b.describe(id, start, end)
	n := end - start
	if n <= knnLeafSize || depth >= knnMaxDepth {
		return id
	}
	best := b.splitFeature(n)
	if best < 0 {
		return id // all rows identical
	}
	var mid int
	if best < t.P {
		mid = b.splitNumeric(start, end, best)
	} else {
		mid = b.splitCategorical(start, end, best-t.P)
	}
	if mid == 0 || mid == n {
		return id // cannot happen, but never recurse on an empty side
	}
	l := b.child(start, start+mid, depth+1)
	r := b.child(start+mid, end, depth+1)
	t.nodes[id].left, t.nodes[id].right = l, r
	return id
}

// describe stores the box, masks and minimum index of node id (rows
// [start, end)), and leaves in the builder the sums and code counts that
// splitFeature needs.
func (b *knnBuilder) describe(id int32, start, end int) {
	t := b.t
	P, Q := t.P, t.Q
	n := end - start
	num := t.num[start*P : end*P]
	cat := t.cat[start*Q : end*Q]
	lo, hi, mask := b.lo, b.hi, b.mask
	for p := range P {
		lo[p], hi[p] = math.Inf(1), math.Inf(-1)
		b.mean[p], b.vr[p] = 0, 0
	}
	clear(mask)
	for q := range Q {
		clear(b.counts[q])
	}
	minIdx := int32(math.MaxInt32)
	for _, i := range t.idx[start:end] {
		minIdx = min(minIdx, i)
	}
	// (The rows are finite: plain comparisons give min and max; the masks
	// are read off the counts, once per node rather than once per row.)
	mean, vr, counts := b.mean[:P], b.vr[:P], b.counts[:Q]
	lo, hi = lo[:P], hi[:P]
	for r := 0; r < n; r++ {
		x := num[r*P : (r+1)*P : (r+1)*P]
		for p, v := range x {
			if v < lo[p] {
				lo[p] = v
			}
			if v > hi[p] {
				hi[p] = v
			}
			mean[p] += v
			vr[p] += v * v
		}
		c := cat[r*Q : (r+1)*Q : (r+1)*Q]
		for q, v := range c {
			counts[q][v]++
		}
	}
	for q, cnt := range counts {
		for c, k := range cnt {
			if k > 0 {
				mask[q] |= 1 << (uint(c) & 63)
			}
		}
	}
	t.lo = append(t.lo, lo...)
	t.hi = append(t.hi, hi...)
	t.mask = append(t.mask, mask...)
	t.nodes[id].minIdx = minIdx
}

// splitFeature returns the feature (p < P numeric, P+q categorical) with
// the largest contribution to the mean squared distance between two of
// the node's n rows, or -1 if all rows are identical. It turns the sums
// left by describe into means.
//
// (The variance from the sums of squares may lose precision; it only
// chooses the split, which any choice leaves exact.)
func (b *knnBuilder) splitFeature(n int) int {
	P := b.t.P
	lo, hi := b.lo, b.hi
	fn := float64(n)
	best, bestScore := -1, 0.0
	for p := range P {
		b.mean[p] /= fn
		if lo[p] < hi[p] {
			if s := 2 * (b.vr[p]/fn - b.mean[p]*b.mean[p]); s > bestScore {
				best, bestScore = p, s
			}
		}
	}
	for q := range b.t.Q {
		var g float64
		distinct := 0
		for _, c := range b.counts[q] {
			if c > 0 {
				distinct++
				f := float64(c) / fn
				g += f * f
			}
		}
		if distinct < 2 {
			continue
		}
		if s := 2 * (1 - g); s > bestScore {
			best, bestScore = P+q, s
		}
	}
	return best
}

// splitNumeric partitions rows [start, end) on numeric feature p: rows
// below the mean go left. It returns the number of rows on the left.
func (b *knnBuilder) splitNumeric(start, end, p int) int {
	t := b.t
	P := t.P
	split := b.mean[p]
	if !(split > b.lo[p]) || split > b.hi[p] {
		split = b.hi[p]
	}
	return b.partition(start, end, func(r int) bool { return t.num[r*P+p] < split })
}

// splitCategorical partitions rows [start, end) on categorical feature q:
// its codes, by decreasing count, each go to the lighter side. It returns
// the number of rows on the left.
func (b *knnBuilder) splitCategorical(start, end, q int) int {
	t := b.t
	Q := t.Q
	b.order = b.order[:0]
	for c, cnt := range b.counts[q] {
		if cnt > 0 {
			b.order = append(b.order, int32(c))
		}
	}
	cnts := b.counts[q]
	slices.SortFunc(b.order, func(a, c int32) int {
		if cnts[a] != cnts[c] {
			return cnts[c] - cnts[a]
		}
		return int(a - c)
	})
	side := b.side[q]
	nl, nr := 0, 0
	for _, c := range b.order {
		if nl <= nr {
			side[c] = true
			nl += cnts[c]
		} else {
			side[c] = false
			nr += cnts[c]
		}
	}
	return b.partition(start, end, func(r int) bool { return side[t.cat[r*Q+q]] })
}

// child builds the subtree of rows [start, end), or leaves it as a task,
// and returns its id.
func (b *knnBuilder) child(start, end, depth int) int32 {
	if b.tasks != nil && end-start <= b.taskRows {
		b.tasks = append(b.tasks, knnTask{start, end, depth})
		return knnTaskRef - int32(len(b.tasks)-1)
	}
	return b.build(start, end, depth)
}

// partition reorders rows [start, end) so that those with left(row) come
// first, and returns their number.
func (b *knnBuilder) partition(start, end int, left func(r int) bool) int {
	t := b.t
	P, Q := t.P, t.Q
	m := start
	for r := start; r < end; r++ {
		if !left(r) {
			continue
		}
		if r != m {
			a, c := t.num[m*P:(m+1)*P], t.num[r*P:(r+1)*P]
			for p := range a {
				a[p], c[p] = c[p], a[p]
			}
			e, f := t.cat[m*Q:(m+1)*Q], t.cat[r*Q:(r+1)*Q]
			for q := range e {
				e[q], f[q] = f[q], e[q]
			}
			t.idx[m], t.idx[r] = t.idx[r], t.idx[m]
		}
		m++
	}
	return m - start
}

// knnSearcher holds the state of one query's search.
type knnSearcher struct {
	t        *knnTree
	x        []float64
	cx       []int32
	d2       []float64
	idx      []int
	n, kk    int
	worst    float64 // kk-th best squared distance, +Inf until kk found
	worstIdx int     // its index
}

// search finds the len(d2) nearest reference rows of (x, cx), as
// KNN.search does, and returns their number.
func (t *knnTree) search(x []float64, cx []int32, d2 []float64, idx []int) int {
	s := knnSearcher{t: t, x: x, cx: cx, d2: d2, idx: idx, kk: len(d2), worst: math.Inf(1)}
	if len(t.nodes) > 0 {
		s.visit(0, s.bound(0))
	}
	return s.n
}

// bound returns the lower bound of the squared distance from the query to
// the rows of node (see knnTree).
func (s *knnSearcher) bound(node int32) float64 {
	t := s.t
	P, Q := t.P, t.Q
	lo := t.lo[int(node)*P : (int(node)+1)*P]
	hi := t.hi[int(node)*P : (int(node)+1)*P]
	var b float64
	for p, v := range s.x {
		if v < lo[p] {
			g := lo[p] - v
			b += g * g
		} else if v > hi[p] {
			g := v - hi[p]
			b += g * g
		}
	}
	mask := t.mask[int(node)*Q : (int(node)+1)*Q]
	miss := 0
	for q, c := range s.cx {
		if mask[q]&(1<<(uint(c)&63)) == 0 {
			miss++
		}
	}
	return b + 2*float64(miss)
}

// pruned reports whether no row of node, whose bound is b, can enter the
// current best list.
func (s *knnSearcher) pruned(node int32, b float64) bool {
	return b > s.worst || (b == s.worst && int(s.t.nodes[node].minIdx) > s.worstIdx)
}

func (s *knnSearcher) visit(node int32, b float64) {
	if s.pruned(node, b) {
		return
	}
	nd := &s.t.nodes[node]
	if nd.left < 0 {
		s.scan(int(nd.start), int(nd.end))
		return
	}
	l, r := nd.left, nd.right
	bl, br := s.bound(l), s.bound(r)
	if br < bl {
		l, r, bl, br = r, l, br, bl
	}
	s.visit(l, bl)
	s.visit(r, br)
}

// scan tries rows [start, end) of the tree order, computing each squared
// distance exactly as KNN.search and sqDist do.
func (s *knnSearcher) scan(start, end int) {
	t := s.t
	P, Q := t.P, t.Q
	x, cx := s.x, s.cx
	for r := start; r < end; r++ {
		y := t.num[r*P : (r+1)*P]
		var d float64
		for p, v := range x {
			e := v - y[p]
			d += e * e
		}
		if d > s.worst {
			continue
		}
		cy := t.cat[r*Q : (r+1)*Q]
		mismatch := 0
		for q, c := range cx {
			if c != cy[q] {
				mismatch++
			}
		}
		d += 2 * float64(mismatch)
		if d == math.Inf(1) {
			// Overflow: the brute-force scan takes only rows below its
			// bound, which starts at +Inf, so it never takes these.
			continue
		}
		j := int(t.idx[r])
		if s.n == s.kk && (d > s.worst || (d == s.worst && j > s.worstIdx)) {
			continue
		}
		pos := s.n
		if s.n < s.kk {
			s.n++
		} else {
			pos = s.kk - 1
		}
		for pos > 0 && (s.d2[pos-1] > d || (s.d2[pos-1] == d && s.idx[pos-1] > j)) {
			s.d2[pos] = s.d2[pos-1]
			s.idx[pos] = s.idx[pos-1]
			pos--
		}
		s.d2[pos] = d
		s.idx[pos] = j
		if s.n == s.kk {
			s.worst = s.d2[s.kk-1]
			s.worstIdx = s.idx[s.kk-1]
		}
	}
}
