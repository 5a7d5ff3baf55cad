package firms

import (
	"regexp"
	"strings"
	"testing"
)

// TestModelsAgreeWithScript: the hyper-parameters stated for each firm
// (in sweep's outputs) are the ones firm.py states in HYPER, and firm.py
// builds each estimator with exactly those arguments.
func TestModelsAgreeWithScript(t *testing.T) {
	src := string(Script)
	hyper := regexp.MustCompile(`(?m)^    "(\w+)": "(\w+)\((.*)\)",$`).FindAllStringSubmatch(src, -1)
	if len(hyper) != len(all) {
		t.Fatalf("firm.py's HYPER has %d entries, firms %d", len(hyper), len(all))
	}
	for _, h := range hyper {
		f, ok := Lookup(h[1])
		if !ok {
			t.Errorf("firm.py has model %q, firms does not", h[1])
			continue
		}
		stated := h[2] + "(" + h[3] + ")"
		if !strings.HasSuffix(f.Model, " "+stated) {
			t.Errorf("%s: firms states %q, firm.py %q", h[1], f.Model, stated)
		}
		// The constructor call in new_model, its arguments joined on one line.
		call := regexp.MustCompile(`(?s)return ` + h[2] + `\((.*?)\)\n`).FindStringSubmatch(src)
		if call == nil {
			t.Errorf("%s: no `return %s(...)` in firm.py", h[1], h[2])
			continue
		}
		args := strings.Join(strings.Fields(strings.ReplaceAll(call[1], `"`, "'")), " ")
		if args != h[3] {
			t.Errorf("%s: firm.py builds %s(%s), states %s(%s)", h[1], h[2], args, h[2], h[3])
		}
	}
}

func TestNames(t *testing.T) {
	if got := strings.Join(Names(), ","); got != "logreg,hgb,mlp,rf,xgb" {
		t.Fatalf("Names() = %s", got)
	}
}
