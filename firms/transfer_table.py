#!/usr/bin/python3
"""The transfer table of docs/REPRODUCTION.md from sweep summaries.

  python3 firms/transfer_table.py DATASET FIRM=PATH.summary.csv ...

For each firm and method: EqOd and error without action (flips 0), and the
lowest mean EqOd over the grid's flip counts, with its mean error minus the
base error and its flip count; EqOd is the mean of the TPR and FPR gaps,
each figure the mean (± sample SD) over the runs. Prints Markdown rows.
"""
import csv
import sys


def main():
    dataset, specs = sys.argv[1], sys.argv[2:]
    print("| data | firm | method | base EqOd | base error | best EqOd | error cost | flips | runs |")
    print("|---|---|---|---|---|---|---|---|---|")
    for spec in specs:
        firm, path = spec.split("=", 1)
        with open(path, newline="") as f:
            rows = [r for r in csv.DictReader(f) if r["side"] == "collective"]
        for method in dict.fromkeys(r["method"] for r in rows):
            cells = [r for r in rows if r["method"] == method]
            base = next(r for r in cells if r["flips_requested"] == "0")
            best = min(cells, key=lambda r: float(r["eqod_mean_mean"]))
            be, bx = float(base["eqod_mean_mean"]), float(base["error_mean"])
            sd = " ± %.4f" % float(best["eqod_mean_sd"]) if best["eqod_mean_sd"] else ""  # no SD of one run
            print("| %s | %s | %s | %.4f | %.4f | %.4f%s | %+.4f | %s | %s |" % (
                dataset, firm, method, be, bx, float(best["eqod_mean_mean"]), sd,
                float(best["error_mean"]) - bx, best["flips_requested"], best["runs"]))


if __name__ == "__main__":
    main()
