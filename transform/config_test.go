package transform

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/fairflip/fairflip/internal/testfill"
)

// TestConfigJSON: a Config with every field set survives JSON unchanged,
// and its keys are the flags' names. A field added to Config is filled too,
// so one that does not survive (a func, an unexported field, a pointer to
// a file) fails here.
func TestConfigJSON(t *testing.T) {
	t.Parallel()
	var c Config
	if err := testfill.Fill(&c); err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(&c)
	if err != nil {
		t.Fatal(err)
	}
	var back Config
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(c, back) {
		t.Errorf("Config changed through JSON:\n%+v\n%+v\n%s", c, back, b)
	}
	var keys map[string]json.RawMessage
	if err := json.Unmarshal(b, &keys); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"sensitive", "minority", "label", "positive", "k", "max-flips", "reference-sample", "audit-column", "header-names"} {
		if _, ok := keys[k]; !ok {
			t.Errorf("no key %q in %s", k, b)
		}
	}
	if rt := reflect.TypeOf(Options{}); rt.NumField() != 2 || rt.Field(0).Type != reflect.TypeOf(Config{}) {
		t.Errorf("Options is not {Config; Runtime}")
	}
}
