#!/usr/bin/python3
"""fairflip's ready non-linear firms, run through the --firm-cmd protocol.

  /usr/bin/python3 firm.py MODEL TRAIN.csv TEST.csv

MODEL is hgb, rf, mlp or xgb. It trains on TRAIN.csv (the label column, named
in $FAIRFLIP_LABEL, holds 1/0) and prints one prediction (1 or 0) per row of
TEST.csv, in order. `fairflip eval/sweep --firm MODEL` writes this script to
its temporary folder and runs it with Debian's /usr/bin/python3; it can also
be run by hand with --firm-cmd '/usr/bin/python3 firms/firm.py hgb "$1" "$2"'.

The hyper-parameters are fixed (HYPER below, stated in sweep's outputs) and
every seed is 0, so a fit depends on its labels only. Each fit uses one
thread: sweep runs --workers fits at once (default: one per core).

Encoding (fitted on the training rows): a numeric column stays a number
(a missing cell becomes 0 plus a 0/1 missing-indicator column, when the
training rows have missing cells); a text column becomes, for the tree
firms (hgb, rf, xgb), its level's rank among the training levels (-1 for a
level the training rows do not have), and for mlp one 0/1 column per
training level, all columns then scaled to unit variance.
"""
import os

# One thread per fit (OpenMP in hgb and xgb, BLAS in mlp), set before numpy loads.
for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_v] = "1"

import csv
import sys

# The models' hyper-parameters, as stated in sweep's outputs.
HYPER = {
    "hgb": "HistGradientBoostingClassifier(max_iter=100, learning_rate=0.1, max_leaf_nodes=31, min_samples_leaf=20, early_stopping=False, random_state=0)",
    "rf": "RandomForestClassifier(n_estimators=100, max_features='sqrt', min_samples_leaf=5, n_jobs=1, random_state=0)",
    "mlp": "MLPClassifier(hidden_layer_sizes=(32,), activation='relu', solver='adam', alpha=1e-4, batch_size=200, learning_rate_init=1e-3, max_iter=50, random_state=0)",
    "xgb": "XGBClassifier(n_estimators=100, max_depth=6, learning_rate=0.3, tree_method='hist', n_jobs=1, random_state=0)",
}

# Python module -> the Debian package that provides it for /usr/bin/python3.
DEBIAN = {"sklearn": "python3-sklearn", "xgboost": "python3-xgboost", "numpy": "python3-numpy", "scipy": "python3-scipy"}


def fail(msg, code=3):
    sys.stderr.write("fairflip firm: %s\n" % msg)
    sys.exit(code)


def new_model(name):
    if name == "hgb":
        from sklearn.ensemble import HistGradientBoostingClassifier
        return HistGradientBoostingClassifier(max_iter=100, learning_rate=0.1, max_leaf_nodes=31, min_samples_leaf=20,
                                              early_stopping=False, random_state=0)
    if name == "rf":
        from sklearn.ensemble import RandomForestClassifier
        return RandomForestClassifier(n_estimators=100, max_features="sqrt", min_samples_leaf=5, n_jobs=1, random_state=0)
    if name == "mlp":
        from sklearn.neural_network import MLPClassifier
        return MLPClassifier(hidden_layer_sizes=(32,), activation="relu", solver="adam", alpha=1e-4, batch_size=200,
                             learning_rate_init=1e-3, max_iter=50, random_state=0)
    if name == "xgb":
        from xgboost import XGBClassifier
        return XGBClassifier(n_estimators=100, max_depth=6, learning_rate=0.3, tree_method="hist", n_jobs=1,
                             random_state=0)
    fail("unknown model %r: want one of %s" % (name, ", ".join(HYPER)), 2)


def read(path):
    with open(path, newline="") as f:
        r = csv.reader(f)
        return next(r), list(r)


def is_number(s):
    try:
        float(s)
        return True
    except ValueError:
        return False


class Encoder:
    """Fitted on the training rows; see the module's docstring."""

    def __init__(self, header, rows, onehot):
        self.header, self.onehot, self.cols = header, onehot, []
        for j, name in enumerate(header):
            vals = [r[j] for r in rows]
            if all(v == "" or is_number(v) for v in vals) and any(v != "" for v in vals):
                self.cols.append((j, "num", any(v == "" for v in vals)))
            else:
                levels = sorted(set(vals))
                self.cols.append((j, "text", {v: k for k, v in enumerate(levels)}))

    def encode(self, header, rows):
        import numpy as np
        if header != self.header:
            fail("the test table's columns %s differ from the training table's %s" % (header, self.header))
        out = []
        for j, kind, extra in self.cols:
            if kind == "num":
                out.append([float(r[j]) if r[j] != "" else 0.0 for r in rows])
                if extra:
                    out.append([1.0 if r[j] == "" else 0.0 for r in rows])
            elif self.onehot:
                for level in extra:
                    out.append([1.0 if r[j] == level else 0.0 for r in rows])
            else:
                out.append([float(extra.get(r[j], -1)) for r in rows])
        return np.array(out, dtype=np.float64).T.reshape(len(rows), len(out))


def main():
    args = sys.argv[1:]
    if len(args) == 1:
        args += [os.environ.get("FAIRFLIP_TRAIN", ""), os.environ.get("FAIRFLIP_TEST", "")]
    if len(args) != 3 or args[0] not in HYPER:
        fail("usage: firm.py %s TRAIN.csv TEST.csv" % "|".join(HYPER), 2)
    name, train_path, test_path = args
    try:
        import numpy  # noqa: F401
        model = new_model(name)
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler
    except ModuleNotFoundError as e:
        mod = (e.name or "").split(".")[0]
        pkg = DEBIAN.get(mod)
        hint = "install Debian's %s (apt-get install -y %s)" % (pkg, pkg) if pkg else "install it for /usr/bin/python3"
        fail("--firm %s needs the Python module %s, which /usr/bin/python3 cannot import: %s" % (name, mod, hint))
    label = os.environ.get("FAIRFLIP_LABEL", "")
    header, rows = read(train_path)
    if label not in header:
        fail("the training table has no label column %r ($FAIRFLIP_LABEL)" % label)
    li = header.index(label)
    y = [int(r[li]) for r in rows]
    header = header[:li] + header[li + 1:]
    rows = [r[:li] + r[li + 1:] for r in rows]
    if len(set(y)) < 2:
        # Every label the same: the only model there is.
        _, test = read(test_path)
        sys.stdout.write("%d\n" % y[0] * len(test) if y else "")
        return
    enc = Encoder(header, rows, onehot=(name == "mlp"))
    X = enc.encode(header, rows)
    if name == "mlp":
        model = make_pipeline(StandardScaler(with_mean=False), model)
        import warnings
        from sklearn.exceptions import ConvergenceWarning
        warnings.simplefilter("ignore", ConvergenceWarning)  # max_iter is fixed, converged or not
    model.fit(X, y)
    test_header, test = read(test_path)
    pred = model.predict(enc.encode(test_header, test))
    sys.stdout.write("".join("%d\n" % p for p in pred))


if __name__ == "__main__":
    main()
