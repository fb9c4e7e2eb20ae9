"""What a user would otherwise run: the headline numbers of a survey from its responses CSV with
pandas and SciPy, written plainly (vectorised, no loops over rows).

Usage: pandas_analysis.py DEFINITION RESPONSES > OUT.json

Computes, by the rules of docs/surveys.md: per CSAT question the share of 4–5 with its Wilson
95 % interval and the mean; per NPS question the score, promoters, passives, detractors and its
interval; per pair its expectation and perception means over responses answering both, and the
gap; per scale Cronbach's alpha over responses answering every item (a pair counts as its gap);
per dimension the means of each response's expectation and perception over the pairs it
answered, the gap and the two-sided paired t-test (scipy.stats.ttest_rel). Not computed (Tenure's
analysis has them): alpha if an item is deleted, importance–performance, weekly and monthly
trends, Likert/CES/choice questions (this survey has none).

Prints the numbers as JSON in the shape of Tenure's analysis (so compare.py can check them) and,
under "timing", the seconds spent importing pandas/SciPy, reading the CSV and computing.
"""

import time

T0 = time.perf_counter()

import json  # noqa: E402
import math  # noqa: E402
import sys  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from scipy import stats  # noqa: E402

Z = stats.norm.isf(0.025)


def wilson(k, n):
    if n == 0:
        return None
    p = k / n
    centre = (p + Z * Z / (2 * n)) / (1 + Z * Z / n)
    half = Z * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n)) / (1 + Z * Z / n)
    return [max(0.0, (centre - half) * 100), min(100.0, (centre + half) * 100)]


def num(x):
    x = float(x)
    return None if math.isnan(x) else x


def cronbach_alpha(items):
    k = items.shape[1]
    if k < 2 or len(items) < 2:
        return None
    total = items.sum(axis=1).var(ddof=1)
    if total == 0:
        return None
    return num(k / (k - 1) * (1 - items.var(ddof=1).sum() / total))


def main():
    definition_path, responses_path = sys.argv[1], sys.argv[2]
    t_imported = time.perf_counter()
    with open(definition_path, encoding="utf-8") as f:
        defn = json.load(f)
    df = pd.read_csv(responses_path)
    t_read = time.perf_counter()

    questions = {}
    for q in defn["questions"]:
        qid, kind = q["id"], q["type"]
        if kind == "pair":
            e, p = df[f"{qid}:expectation"], df[f"{qid}:perception"]
            both = e.notna() & p.notna()
            em, pm = e[both].mean(), p[both].mean()
            questions[qid] = {"n": int(both.sum()), "expectation_mean": num(em), "perception_mean": num(pm),
                              "gap": num(pm - em)}
        elif kind == "csat":
            v = df[qid].dropna()
            n, k = len(v), int((v >= 4).sum())
            questions[qid] = {"n": n, "csat_percent": 100 * k / n, "mean": num(v.mean()), "ci95": wilson(k, n)}
        elif kind == "nps":
            v = df[qid].dropna()
            n = len(v)
            pro, det = int((v >= 9).sum()), int((v <= 6).sum())
            pp, pdet = pro / n, det / n
            score = 100 * (pp - pdet)
            half = Z * 100 * math.sqrt((pp + pdet - (pp - pdet) ** 2) / n)
            questions[qid] = {"n": n, "nps": score, "promoters": 100 * pp, "passives": 100 * (n - pro - det) / n,
                              "detractors": 100 * pdet, "ci95": [score - half, score + half]}

    scales = {}
    for name in dict.fromkeys(q["scale"] for q in defn["questions"] if q.get("scale")):
        items = {}
        for q in defn["questions"]:
            if q.get("scale") != name:
                continue
            if q["type"] == "pair":
                items[q["id"]] = df[f"{q['id']}:perception"] - df[f"{q['id']}:expectation"]
            else:
                items[q["id"]] = df[q["id"]]
        frame = pd.DataFrame(items).dropna()
        scales[name] = {"n": len(frame), "cronbach_alpha": cronbach_alpha(frame)}

    dimensions = {}
    for name in dict.fromkeys(q["dimension"] for q in defn["questions"] if q.get("dimension")):
        ids = [q["id"] for q in defn["questions"] if q.get("dimension") == name]
        e = df[[f"{i}:expectation" for i in ids]].mean(axis=1)
        p = df[[f"{i}:perception" for i in ids]].mean(axis=1)
        keep = e.notna()
        e, p = e[keep], p[keep]
        test = stats.ttest_rel(p, e)
        dimensions[name] = {"n": int(keep.sum()), "expectation_mean": num(e.mean()),
                            "perception_mean": num(p.mean()), "gap": num(p.mean() - e.mean()),
                            "p_value": num(test.pvalue)}
    t_done = time.perf_counter()

    json.dump({
        "responses": len(df),
        "questions": questions,
        "scales": scales,
        "dimensions": dimensions,
        "timing": {"import_s": t_imported - T0, "read_s": t_read - t_imported, "compute_s": t_done - t_read},
        "versions": {"pandas": pd.__version__, "numpy": np.__version__, "scipy": __import__("scipy").__version__},
    }, sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
