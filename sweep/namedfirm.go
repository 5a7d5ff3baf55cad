package sweep

import (
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/fairflip/fairflip/firms"
	"github.com/fairflip/fairflip/internal/fferr"
)

// checkFirm checks --firm: a known name, and not with --firm-cmd.
func (c *Config) checkFirm() error {
	if c.Firm == "" {
		return nil
	}
	if c.FirmCmd != "" {
		return fferr.Usage("give --firm or --firm-cmd, not both: --firm %s picks a ready firm, --firm-cmd runs your own", c.Firm)
	}
	if _, ok := firms.Lookup(c.Firm); !ok && c.Firm != firms.BuiltIn {
		return fferr.Usage("--firm %q: want one of %s", c.Firm, strings.Join(firms.Names(), ", "))
	}
	return nil
}

// externalFirm reports whether the firm is a program (--firm-cmd, or a
// ready firm other than the built-in logistic regression).
func (c *Config) externalFirm() bool {
	return c.FirmCmd != "" || (c.Firm != "" && c.Firm != firms.BuiltIn)
}

// newFirm builds the run's firm on its data.
// On an error the firm is nil (no typed nil pointer).
func (c *Config) newFirm(d FirmData) (Firm, error) {
	var f Firm
	var err error
	switch {
	case c.FirmCmd != "":
		f, err = NewCmdFirm(c.FirmCmd, c.FirmTimeout, d)
	case c.externalFirm():
		f, err = NewReadyFirm(c.Firm, c.FirmTimeout, d)
	default:
		f, err = NewLogRegFirm(d, c.Options.MaxLevels, 1)
	}
	if err != nil {
		return nil, err
	}
	return f, nil
}

// NewReadyFirm is the ready external firm NAME (package firms): an
// external firm that runs firms.Script, written to its temporary folder,
// with Debian's /usr/bin/python3. timeout bounds each fit (0: no limit).
func NewReadyFirm(name string, timeout time.Duration, d FirmData) (*CmdFirm, error) {
	spec, ok := firms.Lookup(name)
	if !ok {
		return nil, fferr.Usage("--firm %q: want one of %s", name, strings.Join(firms.Names(), ", "))
	}
	if _, err := os.Stat(firms.Python); err != nil {
		return nil, fferr.Usage("--firm %s runs Debian's %s, which is not there (%v): install python3 and %s (apt-get install -y %s)", name, firms.Python, err, spec.Package, spec.Package)
	}
	f, err := NewCmdFirm("", timeout, d)
	if err != nil {
		return nil, err
	}
	script := filepath.Join(f.dir, "firm.py")
	if err := os.WriteFile(script, firms.Script, 0o600); err != nil {
		f.Close()
		return nil, fferr.IO(err)
	}
	// The script sits beside the test table ($2).
	f.Cmd = firms.Python + ` "${2%/*}/firm.py" ` + name + ` "$1" "$2"`
	f.name, f.model = name, spec.Model
	return f, nil
}
