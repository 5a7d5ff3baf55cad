package transform

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/fairflip/fairflip/internal/fferr"
)

// TestReplaceAuditChecksTheColumn: flip --replace-audit reuses an audit
// column only if undo would accept it: every non-empty cell an audit cell of
// the label column, restorable, on rows holding the value this flip writes.
func TestReplaceAuditChecksTheColumn(t *testing.T) {
	t.Parallel()
	o := baseOpts()
	o.Method, o.Flips, o.ReplaceAudit = MethodRandom, FlipRule{Kind: FlipCount, N: 1}, true
	a := "fairflip/1 col=2 label=y method=random score=0.5 was=0"
	cases := []struct {
		name, in, msg string
	}{
		{"a cell that is no audit cell", "g,y,fairflip_audit\nmin,0,\nmaj,1,note\nmin,0,\n",
			`t.csv:3: column 3 (fairflip_audit): audit cell "note" was not written by fairflip`},
		{"another label column", "g,y,x,fairflip_audit\nmin,1,1,fairflip/1 col=3 label=x method=random score=0.5 was=0\nmaj,1,2,\nmin,0,3,\n",
			`t.csv:2: column 4 (fairflip_audit): the audit cell names column 3, but the label column (--label) is column 2`},
		{"a cell undo would refuse", "g,y,fairflip_audit\nmin,1,\"fairflip/1 col=2 label=y method=random score=0.5 was=0,x\"\nmaj,1,\nmin,0,\n",
			`t.csv:2: column 3 (fairflip_audit): restoring the label cell "0,x" in column 2 (y) would change the number of cells of the record`},
		{"another flipped value", "g,y,fairflip_audit\nmaj,1.0,\nmin,1," + a + "\nmin,0,\n",
			`t.csv:3: the rows flipped before hold the label "1", but this flip would write "1.0"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, _, err := flipBytes(t, c.in, o)
			if !errors.Is(err, fferr.ErrData) || !strings.Contains(err.Error(), c.msg) {
				t.Fatalf("error\n%v\nwant a data error containing\n%s", err, c.msg)
			}
		})
	}
	// A column of audit cells that undo accepts: the new entry joins them,
	// and undo restores both.
	in := "g,y,fairflip_audit\nmin,1," + a + "\nmaj,1,\nmin,0,\n"
	out, _, err := flipBytes(t, in, o)
	if err != nil {
		t.Fatal(err)
	}
	if got := undoBytes(t, out, o.Dialect); got != "g,y\nmin,0\nmaj,1\nmin,0\n" {
		t.Fatalf("undo gave %q", got)
	}

	// Parquet: the same checks.
	_, flipped := parquetFlipped(t)
	po := baseOpts()
	po.Positive = []string{"yes"}
	po.Method, po.Flips, po.ReplaceAudit = MethodRandom, FlipRule{Kind: FlipCount, N: 1}, true
	bad := setParquet(t, flipped, map[int]map[int64]string{4: {1: "note"}})
	if _, err := po.PlanLocal(context.Background(), []Source{tableFile(t, "f.parquet", bad)}, 0); !errors.Is(err, fferr.ErrData) || !strings.Contains(err.Error(), `f.parquet: row 2: column 5 (fairflip_audit): audit cell "note" was not written by fairflip`) {
		t.Fatalf("Parquet: %v", err)
	}
	if _, err := po.PlanLocal(context.Background(), []Source{tableFile(t, "f.parquet", flipped)}, 0); err != nil {
		t.Fatalf("Parquet, a valid audit column: %v", err)
	}
}
