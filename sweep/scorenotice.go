package sweep

import (
	"fmt"
	"strings"
)

// noticeLines splits what a scorer wrote to its log ("fairflip: ..."
// lines) into its notices.
func noticeLines(log string) []string {
	var out []string
	for _, l := range strings.Split(strings.TrimSpace(log), "\n") {
		if l = strings.TrimPrefix(l, "fairflip: "); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// scoreNotices says, for each method whose scorer said something about
// its reference in some run (a reference of one label, fewer rows than k:
// with --reference-sample it changes from run to run), in how many runs,
// and what it said in the first of them. A sweep prints no notice per run;
// without these lines a run that ranked its candidates in row order (a
// sample of one label) would go unnoticed.
func (cfg *Config) scoreNotices(runs []*runState) []string {
	var out []string
	for _, m := range cfg.Methods {
		n, first := 0, -1
		for r, rs := range runs {
			if ms := rs.scores[m]; ms != nil && len(ms.notices) > 0 {
				n++
				if first < 0 {
					first = r
				}
			}
		}
		if n > 0 {
			out = append(out, fmt.Sprintf("%s: the scorer's notices in %d of %d runs; run %d (seed %d): %s",
				m, n, len(runs), first, runs[first].seed, strings.Join(runs[first].scores[m].notices, "; ")))
		}
	}
	return out
}
