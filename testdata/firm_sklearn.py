#!/usr/bin/env python3
"""A firm for fairflip's --firm-cmd, with scikit-learn.

fairflip runs it as `sh -c CMD fairflip-firm TRAIN.csv TEST.csv`: it trains
LogisticRegression on TRAIN.csv (its first argument, or $FAIRFLIP_TRAIN; the
label column, named in $FAIRFLIP_LABEL, holds 1/0) and prints one prediction
(1 or 0) per row of TEST.csv (second argument, or $FAIRFLIP_TEST), in order. Numeric columns are standardised, text columns
one-hot encoded, a missing number becomes 0 plus a missing indicator.

  fairflip eval --train train.csv --test test.csv ... \
    --firm-cmd '/usr/bin/python3 testdata/firm_sklearn.py "$1" "$2"'
"""
import csv
import os
import sys

from sklearn.feature_extraction import DictVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler


def read(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def numeric_columns(rows):
    num = set()
    for col in rows[0]:
        try:
            for r in rows:
                if r[col] != "":
                    float(r[col])
            num.add(col)
        except ValueError:
            pass
    return num


def features(rows, num):
    out = []
    for r in rows:
        d = {}
        for k, v in r.items():
            if k in num:
                d[k] = float(v) if v != "" else 0.0
                d[k + ":missing"] = 1.0 if v == "" else 0.0
            else:
                d[k] = v  # DictVectorizer one-hot encodes text
        out.append(d)
    return out


def main():
    label = os.environ["FAIRFLIP_LABEL"]
    args = sys.argv[1:] or [os.environ["FAIRFLIP_TRAIN"], os.environ["FAIRFLIP_TEST"]]
    train, test = read(args[0]), read(args[1])
    y = [int(r.pop(label)) for r in train]
    num = numeric_columns(train)
    model = make_pipeline(DictVectorizer(), StandardScaler(with_mean=False), LogisticRegression(max_iter=1000))
    model.fit(features(train, num), y)
    sys.stdout.write("".join("%d\n" % p for p in model.predict(features(test, num))))


if __name__ == "__main__":
    main()
