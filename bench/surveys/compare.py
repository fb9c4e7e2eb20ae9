"""Checks that pandas and Tenure computed the same numbers: every number of the pandas JSON
(pandas_analysis.py) against the one at the same place in Tenure's analysis JSON.

Usage: compare.py TENURE.json PANDAS.json

Prints one line — how many numbers were compared and the largest relative difference — and
exits 1 when a number is missing from Tenure's analysis or differs by more than 1e-9 relative
(a p-value: 1e-9 absolute, as tiny p-values differ in digits that mean nothing).
"""

import json
import math
import sys

TOLERANCE = 1e-9


def leaves(value, path=()):
    if isinstance(value, dict):
        for key, inner in value.items():
            yield from leaves(inner, path + (key,))
    elif isinstance(value, list):
        for i, inner in enumerate(value):
            yield from leaves(inner, path + (i,))
    else:
        yield path, value


def at(tree, path):
    for key in path:
        tree = tree[key]
    return tree


def main():
    tenure = json.load(open(sys.argv[1], encoding="utf-8"))
    pandas = json.load(open(sys.argv[2], encoding="utf-8"))
    pandas.pop("timing", None)
    pandas.pop("versions", None)
    compared, worst, worst_path, bad = 0, 0.0, None, []
    for path, theirs in leaves(pandas):
        name = "/".join(map(str, path))
        try:
            ours = at(tenure, path)
        except (KeyError, IndexError, TypeError):
            bad.append(f"{name}: missing from Tenure's analysis")
            continue
        if theirs is None or ours is None:
            if theirs is not ours:
                bad.append(f"{name}: Tenure {ours}, pandas {theirs}")
            continue
        compared += 1
        if path[-1] == "p_value":
            diff = abs(ours - theirs)
        else:
            diff = abs(ours - theirs) / max(abs(theirs), 1e-12) if theirs != ours else 0.0
        if math.isnan(diff) or diff > TOLERANCE:
            bad.append(f"{name}: Tenure {ours!r}, pandas {theirs!r}")
        if diff > worst:
            worst, worst_path = diff, name
    print(f"{compared} numbers compared, largest relative difference {worst:.1e}"
          + (f" ({worst_path})" if worst_path else "") + (f"; {len(bad)} DIFFER" if bad else ": the same"))
    for line in bad[:20]:
        print("  " + line)
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
