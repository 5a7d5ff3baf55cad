#!/usr/bin/env python3
"""Times one scikit-learn logistic-regression fit on UCI Adult, the peer of
fairflip's BenchmarkFirmFit: the same columns (numbers standardised, text
one-hot), LogisticRegression() with its defaults (L2, C=1, lbfgs).

  /usr/bin/python3 bench/sklearn_adult_fit.py ../shared/data/adult/adult.data

Prints the median of 5 fits (after one warm-up), and the matrix shape.
"""
import csv
import statistics
import sys
import time

from sklearn.feature_extraction import DictVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

COLS = ("age,workclass,fnlwgt,education,education-num,marital-status,occupation,relationship,"
        "race,sex,capital-gain,capital-loss,hours-per-week,native-country,income").split(",")
NUMERIC = {"age", "fnlwgt", "education-num", "capital-gain", "capital-loss", "hours-per-week"}


def main():
    rows = []
    with open(sys.argv[1], newline="") as f:
        for rec in csv.reader(f, skipinitialspace=True):
            if len(rec) == len(COLS):
                rows.append(dict(zip(COLS, rec)))
    y = [r.pop("income") == ">50K" for r in rows]
    for r in rows:
        for k in NUMERIC:
            r[k] = float(r[k])
    X = DictVectorizer(sparse=False).fit_transform(rows)
    X = StandardScaler().fit_transform(X)
    LogisticRegression(max_iter=1000).fit(X, y)
    times = []
    for _ in range(5):
        t = time.perf_counter()
        LogisticRegression(max_iter=1000).fit(X, y)
        times.append(time.perf_counter() - t)
    print("scikit-learn LogisticRegression fit on %d x %d: median %.3f s (runs: %s)" % (
        X.shape[0], X.shape[1], statistics.median(times), ", ".join("%.3f" % t for t in times)))


if __name__ == "__main__":
    main()
