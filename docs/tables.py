#!/usr/bin/python3
"""The tables of docs/REPRODUCTION.md, from sweep summaries (-o X.csv writes
X.summary.csv). Standard library only. Prints Markdown.

  tables.py firmside ALPHA SUMMARY.csv
      no action, each firm-side baseline cell (massaging, run over the
      flip grid: its lowest-EqOd M only), and the collective's lowest-EqOd
      cell at collective size ALPHA (mean ± SD over the runs)
  tables.py detect ALPHA SUMMARY.csv
      the firm's label screen (sweep --detect) at collective size ALPHA
  tables.py transfer DATASET FIRM=SUMMARY.csv ...
      per firm: no action, and for each method the lowest mean EqOd on the
      grid ± SD, its error cost over no action, its flip count (* marks a
      best at the grid's last cell; one entry when every method flips the
      same rows, the whole pool)

EqOd is the paper's: the mean of the TPR and FPR gaps.
"""
import csv
import sys


def read(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def num(row, col):
    v = row.get(col, "")
    return float(v) if v not in ("", None) else float("nan")


def stat(row, col, digits=4):
    """mean ± SD of a summary column pair (COL_mean, COL_sd); no SD of one run."""
    mean = num(row, col + "_mean")
    sd = num(row, col + "_sd")
    if mean != mean:
        return "undefined"
    text = "%.*f" % (digits, mean)
    if sd == sd and int(row["runs"]) > 1:
        text += " ± %.*f" % (digits, sd)
    return text


def same_alpha(row, alpha):
    return row["alpha"] != "" and abs(float(row["alpha"]) - float(alpha)) < 1e-9


def collective(rows, alpha):
    return [r for r in rows if r["side"] == "collective" and same_alpha(r, alpha)]


def firmside(alpha, path):
    rows = read(path)
    coll = collective(rows, alpha)
    base = next(r for r in coll if r["flips_requested"] == "0")
    print("| | error | EqOd |")
    print("|---|---|---|")
    print("| no action | %s | %s |" % (stat(base, "error"), stat(base, "eqod_mean")))
    firm = [r for r in rows if r["side"] == "firm-side"]
    for m in dict.fromkeys(r["method"] for r in firm):
        cells = [r for r in firm if r["method"] == m]
        if all(r["flips_requested"].isdigit() for r in cells) and len(cells) > 1:
            # a baseline over the flip grid (massaging): its lowest-EqOd M
            best = min((r for r in cells if r["flips_requested"] != "0"), key=lambda r: num(r, "eqod_mean_mean"))
            cells = [best]
        for r in cells:
            name = r["method"] if r["flips_requested"] in ("", "0") else "%s %s" % (r["method"], r["flips_requested"])
            print("| %s | %s | %s |" % (name, stat(r, "error"), stat(r, "eqod_mean")))
    best = min((r for r in coll if r["flips_requested"] != "0"), key=lambda r: num(r, "eqod_mean_mean"))
    print("| collective, lowest EqOd: %s α %s M %s | %s | %s |" % (
        best["method"], alpha, best["flips_requested"], stat(best, "error"), stat(best, "eqod_mean")))


def detect(alpha, path):
    rows = collective(read(path), alpha)
    print("| method | M | flipped rows flagged | untouched minority flagged | untouched minority positives flagged | EqOd, no screen → screened | error, screened |")
    print("|---|---|---|---|---|---|---|")
    base = next(r for r in rows if r["flips_requested"] == "0")
    print("| (any) | 0 | undefined | %.3f | %.3f | %.4f → %.4f | %.4f |" % (
        num(base, "detect_flagged_untouched_minority_mean"), num(base, "detect_flagged_untouched_minority_pos_mean"),
        num(base, "eqod_mean_mean"), num(base, "detect_eqod_mean_mean"), num(base, "detect_error_mean")))
    for r in rows:
        if r["flips_requested"] == "0":
            continue
        print("| %s | %s | %s | %.3f | %.3f | %.4f → %.4f | %.4f |" % (
            r["method"], r["flips_requested"], stat(r, "detect_flagged_flipped", 3),
            num(r, "detect_flagged_untouched_minority_mean"), num(r, "detect_flagged_untouched_minority_pos_mean"),
            num(r, "eqod_mean_mean"), num(r, "detect_eqod_mean_mean"), num(r, "detect_error_mean")))


def transfer(dataset, specs):
    methods = ["rb-prob", "rb-label", "rb-dist", "random"]
    print("| data | firm | no action: EqOd / error | %s |" % " | ".join(methods))
    print("|---|---|---|%s" % ("---|" * len(methods)))
    for spec in specs:
        firm, path = spec.split("=", 1)
        rows = [r for r in read(path) if r["side"] == "collective"]
        base = next(r for r in rows if r["flips_requested"] == "0")
        bx = num(base, "error_mean")
        cells = {}
        for m in methods:
            mine = [r for r in rows if r["method"] == m]
            if not mine:
                cells[m] = None
                continue
            best = min(mine, key=lambda r: num(r, "eqod_mean_mean"))
            edge = "\\*" if best is mine[-1] and best["flips_requested"] != "100%" else ""
            cells[m] = (best, "%s, %+.4f, %s%s" % (stat(best, "eqod_mean").replace(" ± ", "±"),
                                                   num(best, "error_mean") - bx, best["flips_requested"], edge))
        found = [c for c in cells.values() if c]
        lowest = min(num(b, "eqod_mean_mean") for b, _ in found)
        out = []
        if all(b["flips_requested"] == "100%" for b, _ in found):
            out = ["%s (the whole pool: the same for every method)" % found[0][1]] + [""] * (len(methods) - 1)
        else:
            for m in methods:
                if cells[m] is None:
                    out.append("")
                    continue
                best, text = cells[m]
                out.append("**" + text.replace("±", "**±", 1) if num(best, "eqod_mean_mean") == lowest else text)
        print("| %s | %s | %.4f / %.4f | %s |" % (dataset, firm, num(base, "eqod_mean_mean"), bx, " | ".join(out)))


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "firmside" and len(args) == 2:
        firmside(*args)
    elif cmd == "detect" and len(args) == 2:
        detect(*args)
    elif cmd == "transfer" and len(args) >= 2:
        transfer(args[0], args[1:])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
