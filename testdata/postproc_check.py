#!/usr/bin/python3
"""Independent check of sweep's firm-side post-processing baselines.

Reads a CSV with columns group (1 minority, 2 majority, 0 neither), label
(1/0), base (the base prediction, 1/0) and score (P(y=1|x)), and prints as
JSON:

- Hardt, Price & Srebro (2016) equalized-odds post-processing, solved with
  scipy.optimize.linprog (HiGHS): the mixing probabilities
  P(y'=1 | base, group) minimising the expected error of the two groups'
  rows subject to equal TPR and equal FPR; "eqodds_mix" is
  [[minority base 0, minority base 1], [majority base 0, majority base 1]],
  "eqodds_error" the optimum, "eqodds_rates" the resulting (TPR, FPR) of
  each group.
- Pleiss et al. (2017) calibrated equalized odds with the generalized
  FPR + FNR cost weighted equally: "withheld" (the group with the lower
  cost), "alpha" (the probability its rows get the group's base rate),
  "cost_minority" and "cost_majority" (before withholding).

Used by sweep's TestPostprocMatchesScipy.
"""
import json
import sys

import numpy as np
from scipy.optimize import linprog

d = np.genfromtxt(sys.argv[1], delimiter=",", names=True)
g, y, base, score = d["group"].astype(int), d["label"].astype(int), d["base"].astype(int), d["score"]
both = g != 0
N = both.sum()

# Equalized-odds post-processing. x = [min|base0, min|base1, maj|base0, maj|base1].
c = np.zeros(4)
rows = []
for k, grp in enumerate((1, 2)):
    for b in (0, 1):
        cell = (g == grp) & (base == b)
        # predicting 1 costs the cell's negatives and saves its positives
        c[2 * k + b] = ((cell & (y == 0)).sum() - (cell & (y == 1)).sum()) / N
const = ((y == 1) & both).sum() / N


def rate_row(label):
    row = np.zeros(4)
    for k, grp in enumerate((1, 2)):
        m = (g == grp) & (y == label)
        if m.sum() == 0:
            return None
        for b in (0, 1):
            row[2 * k + b] = (1 if k == 0 else -1) * (m & (base == b)).sum() / m.sum()
    return row


A = [r for r in (rate_row(1), rate_row(0)) if r is not None]
res = linprog(c, A_eq=np.array(A), b_eq=np.zeros(len(A)), bounds=[(0, 1)] * 4, method="highs")
assert res.status == 0, res.message
x = res.x


def rates(grp, k):
    out = []
    for label in (1, 0):
        m = (g == grp) & (y == label)
        out.append(float(sum(x[2 * k + b] * (m & (base == b)).sum() for b in (0, 1)) / m.sum()))
    return out


# Calibrated equalized odds.
cost, trivial, mu = {}, {}, {}
for grp in (1, 2):
    m = g == grp
    mu[grp] = y[m].mean()
    gfpr = score[m & (y == 0)].mean()
    gfnr = (1 - score[m & (y == 1)]).mean()
    cost[grp] = gfpr + gfnr
    trivial[grp] = mu[grp] + (1 - mu[grp])
low = 1 if cost[1] <= cost[2] else 2
high = 3 - low
alpha = 0.0
if trivial[low] > cost[low]:
    alpha = min(1.0, max(0.0, (cost[high] - cost[low]) / (trivial[low] - cost[low])))

print(json.dumps({
    "eqodds_error": float(res.fun + const),
    "eqodds_mix": [[float(x[0]), float(x[1])], [float(x[2]), float(x[3])]],
    "eqodds_rates": {"minority": rates(1, 0), "majority": rates(2, 1)},
    "withheld": low,
    "alpha": alpha,
    "cost_minority": float(cost[1]),
    "cost_majority": float(cost[2]),
}))
