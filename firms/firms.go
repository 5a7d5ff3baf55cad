// Package firms holds fairflip's ready non-linear firms: scikit-learn's
// HistGradientBoostingClassifier, RandomForestClassifier and MLPClassifier
// and XGBoost's XGBClassifier, with fixed hyper-parameters and seeds. They
// are one Python script (firm.py, embedded in the binary) run by Debian's
// /usr/bin/python3 through the external-firm protocol (--firm-cmd): `fairflip
// eval/sweep --firm NAME` writes the script to the firm's temporary folder,
// so it works from any directory.
package firms

import (
	_ "embed"
	"sort"
)

// Script is firm.py: `python3 firm.py NAME TRAIN.csv TEST.csv`.
//
//go:embed firm.py
var Script []byte

// Python is the interpreter the firms run with (Debian's, where
// python3-sklearn and python3-xgboost install).
const Python = "/usr/bin/python3"

// BuiltIn is the name of the built-in logistic regression (the default).
const BuiltIn = "logreg"

// Firm is a ready external firm.
type Firm struct {
	Name string
	// Model is the estimator with its hyper-parameters, as firm.py builds
	// it (its HYPER table; a test checks that they agree).
	Model string
	// Package is the Debian package that provides its Python module.
	Package string
}

var all = map[string]Firm{
	"hgb": {"hgb", "scikit-learn HistGradientBoostingClassifier(max_iter=100, learning_rate=0.1, max_leaf_nodes=31, min_samples_leaf=20, early_stopping=False, random_state=0)", "python3-sklearn"},
	"rf":  {"rf", "scikit-learn RandomForestClassifier(n_estimators=100, max_features='sqrt', min_samples_leaf=5, n_jobs=1, random_state=0)", "python3-sklearn"},
	"mlp": {"mlp", "scikit-learn MLPClassifier(hidden_layer_sizes=(32,), activation='relu', solver='adam', alpha=1e-4, batch_size=200, learning_rate_init=1e-3, max_iter=50, random_state=0)", "python3-sklearn"},
	"xgb": {"xgb", "XGBoost XGBClassifier(n_estimators=100, max_depth=6, learning_rate=0.3, tree_method='hist', n_jobs=1, random_state=0)", "python3-xgboost"},
}

// Lookup returns the ready external firm NAME.
func Lookup(name string) (Firm, bool) {
	f, ok := all[name]
	return f, ok
}

// Names returns every --firm name: the built-in first, then the external
// firms in alphabetical order.
func Names() []string {
	var n []string
	for k := range all {
		n = append(n, k)
	}
	sort.Strings(n)
	return append([]string{BuiltIn}, n...)
}
