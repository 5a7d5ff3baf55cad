package transform

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/fairflip/fairflip/internal/fferr"
)

// TestErrorKinds: transform's exported kinds are fferr's, so a library
// user classifies an error without importing internal packages.
func TestErrorKinds(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		err  error
		kind error
	}{
		{fferr.Usage("x"), ErrUsage},
		{fferr.Data("x"), ErrData},
		{fferr.IO(errors.New("x")), ErrIO},
		{fferr.Wrap(fferr.ErrInternal, errors.New("x")), ErrInternal},
		{configErr("k", field("k"), " 0"), ErrUsage},
	} {
		if !errors.Is(c.err, c.kind) {
			t.Errorf("%v is not %v", c.err, c.kind)
		}
	}
	if errors.Is(fferr.Usage("x"), ErrConfig) {
		t.Error("any usage error is ErrConfig")
	}
}

// TestConfigErrors: every refusal of Validate is a *ConfigError that
// names its field, of kind ErrConfig and ErrUsage, whose message names no
// flag; rendered with flag names it reads as fairflip's command line says it.
func TestConfigErrors(t *testing.T) {
	t.Parallel()
	valid := func() Config {
		return Config{Sensitive: []string{"race"}, Minority: []string{"Black"}, Label: "income", Positive: []string{">50K"}}
	}
	cases := []struct {
		field string
		mod   func(*Config)
		msg   string // as Error() gives it
		flag  string // rendered with flags
	}{
		{"sensitive", func(c *Config) { c.Sensitive = nil }, "sensitive is required: the column that holds the group (e.g. sensitive race)",
			"--sensitive is required: the column that holds the group (e.g. --sensitive race)"},
		{"minority", func(c *Config) { c.Minority = nil }, "", "--minority is required: the value(s) of --sensitive that mark the minority (e.g. --minority Black)"},
		{"label", func(c *Config) { c.Label = "" }, "", "--label is required: the column that holds the label (e.g. --label income)"},
		{"positive", func(c *Config) { c.Positive = nil }, "", "--positive is required: the favourable label value (e.g. --positive '>50K')"},
		{"negative", func(c *Config) { c.Negative = []string{">50K"} }, `label value ">50K" is given both as positive and as negative`, `label value ">50K" is given both as --positive and as --negative`},
		{"positive", func(c *Config) { c.Positive = []string{"\xff"} }, "", `--positive "\xff": not valid UTF-8`},
		{"negative", func(c *Config) { c.Negative = []string{" NA"} }, "", `--negative " NA": fairflip reads "NA" as a missing label, not a label value`},
		{"method", func(c *Config) { c.Method = "x" }, "", `--method "x": want one of rb-prob, rb-label, rb-dist, random`},
		{"k", func(c *Config) { c.K = -1 }, "k -1: the number of neighbours must be at least 1", "--k -1: the number of neighbours must be at least 1"},
		{"members", func(c *Config) { c.Members, c.Alpha = "m", 0.5 }, "", "--members and --alpha both choose the collective: give one of them"},
		{"alpha", func(c *Config) { c.Alpha = 2 }, "", "--alpha 2: the collective's share of the minority must be in (0, 1]"},
		{"flips", func(c *Config) { c.Method = MethodRandom }, "", "--method random has no estimate of the counterfactual label, so --flips auto cannot be used: give --flips N or --flips P%"},
		{"reference-sample", func(c *Config) { c.ReferenceSample = -2 }, "", "--reference-sample -2: must be positive"},
		{"audit-column", func(c *Config) { c.AuditColumn = " a" }, "", `--audit-column " a" has leading or trailing white space: give a plain name such as fairflip_audit`},
		{"header-names", func(c *Config) { c.Dialect.Header, c.HeaderNames = true, []string{"a"} }, "", "--header-names names the columns of a file without a header: give --no-header too"},
	}
	for _, c := range cases {
		cfg := valid()
		c.mod(&cfg)
		err := cfg.Validate()
		var ce *ConfigError
		if !errors.As(err, &ce) || !errors.Is(err, ErrConfig) || !errors.Is(err, ErrUsage) {
			t.Errorf("%s: %v (%T) is not a ConfigError of kind usage", c.field, err, err)
			continue
		}
		if ce.Field != c.field {
			t.Errorf("%v: field %q, want %q", err, ce.Field, c.field)
		}
		if strings.Contains(err.Error(), "--") || (c.msg != "" && err.Error() != c.msg) {
			t.Errorf("%s: message %q, want %q and no flag", c.field, err, c.msg)
		}
		if got := ce.Render(func(f string) string { return "--" + f }); got != c.flag {
			t.Errorf("%s: rendered %q, want %q", c.field, got, c.flag)
		}
		wrapped := fmt.Errorf("ctx: %w", err)
		if !errors.Is(wrapped, ErrConfig) {
			t.Errorf("%s: wrapped, not ErrConfig", c.field)
		}
	}
	cfg := valid()
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"x", "101%", "-1"} {
		_, err := ParseFlips(s)
		var ce *ConfigError
		if !errors.As(err, &ce) || ce.Field != "flips" || strings.Contains(err.Error(), "--") {
			t.Errorf("ParseFlips(%q): %v", s, err)
		}
	}
}
