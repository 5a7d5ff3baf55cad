#!/usr/bin/python3
"""Independent check of sweep's eqodds-reductions baseline.

Usage: reductions_check.py ROWS.csv EPS NU

ROWS.csv has columns x1, x2, a (the features), group (1 minority, 2
majority, 0 neither) and label (1/0). Runs Agarwal et al.'s (2018)
exponentiated-gradient reduction (their Algorithm 1) for equalized odds at
bound EPS, written from the paper's pseudo-code with numpy, the learner
scikit-learn's LogisticRegression(C=1) with sample_weight, and then the
linear program over the hypotheses found (scipy.optimize.linprog) that
fairflip uses to pick the mixture. Settings as fairflip's: B = 1/EPS,
eta = 2/B, T = 50, stop when the gap is at most NU. Prints as JSON the
mixture's training error, its largest |gamma| and the iterations run.

Used by sweep's TestReductionsMatchesSklearn.
"""
import json
import sys

import numpy as np
from scipy.optimize import linprog
from sklearn.linear_model import LogisticRegression

d = np.genfromtxt(sys.argv[1], delimiter=",", names=True)
eps, nu = float(sys.argv[2]), float(sys.argv[3])
X = np.column_stack([d["x1"], d["x2"], d["a"]])
grp, y = d["group"].astype(int), d["label"].astype(int)
n = len(y)
B, T = 1.0 / eps, 50
eta = 2.0 / B

# Moments gamma_{g,l}(h) = E[h | g, l] - E[h | l] over the two groups' rows.
both = grp != 0
cells = [(g, l) for g in (1, 2) for l in (0, 1) if ((grp == g) & (y == l)).any()]
signs = np.array([s for _ in cells for s in (1.0, -1.0)])


def gammas(h):
    out = []
    for g, l in cells:
        out.append(h[(grp == g) & (y == l)].mean() - h[both & (y == l)].mean())
    return np.repeat(np.array(out), 2)


def evaluate(h):
    """Error and s*gamma - eps per constraint of h (probabilities of 1)."""
    return np.abs(h - y).mean(), signs * gammas(h) - eps


def best_h(lam):
    """Cost-sensitive best response, as weighted logistic regression."""
    net = {}
    for k, (g, l) in enumerate(cells):
        net[(g, l)] = lam[2 * k] - lam[2 * k + 1]
    c = (1.0 - 2.0 * y) / n
    for i in range(n):
        g, l = grp[i], y[i]
        if g == 0:
            continue
        ny = (both & (y == l)).sum()
        ngl = ((grp == g) & (y == l)).sum()
        c[i] += net.get((g, l), 0.0) / ngl - (net.get((1, l), 0.0) + net.get((2, l), 0.0)) / ny
    label, w = (c < 0).astype(int), n * np.abs(c)
    if label.min() == label.max():
        return np.full(n, float(label[0]))
    lr = LogisticRegression(C=1.0, tol=1e-10, max_iter=100000)
    lr.fit(X, label, sample_weight=w)
    return (lr.decision_function(X) > 0).astype(float)


K = len(signs)
theta = np.zeros(K)
q_sum, lam_sum = np.zeros(n), np.zeros(K)
hyps = []
t = 0
for t in range(1, T + 1):
    e = np.exp(theta)
    lam = B * e / (1.0 + e.sum())
    h = best_h(lam)
    hyps.append(h)
    q_sum += h
    lam_sum += lam
    Q, lam_hat = q_sum / t, lam_sum / t
    err_q, viol_q = evaluate(Q)
    L_q = err_q + lam_hat @ viol_q
    L_best_lam = err_q + max(0.0, B * viol_q.max())
    hb = best_h(lam_hat)
    hyps.append(hb)
    err_b, viol_b = evaluate(hb)
    gap = max(L_best_lam - L_q, L_q - (err_b + lam_hat @ viol_b))
    if gap <= nu:
        break
    theta += eta * evaluate(h)[1]

# The best mixture of the hypotheses found: min err.q + B*s, s*gamma(q) - eps <= s.
H = np.array(hyps)
errs = np.array([evaluate(h)[0] for h in H])
V = np.array([evaluate(h)[1] for h in H])  # hypotheses x constraints
m = len(H)
c = np.concatenate([errs, [B]])
A_ub = np.concatenate([V.T, -np.ones((K, 1))], axis=1)
A_eq = np.concatenate([np.ones(m), [0.0]])[None, :]
res = linprog(c, A_ub=A_ub, b_ub=np.zeros(K), A_eq=A_eq, b_eq=[1.0], bounds=[(0, None)] * (m + 1), method="highs")
assert res.status == 0, res.message
q = np.maximum(res.x[:m], 0)
q /= q.sum()
P = q @ H
err, viol = evaluate(P)
print(json.dumps({"error": err, "violation": float(np.abs(gammas(P)).max()), "iterations": t, "gap": gap}))
