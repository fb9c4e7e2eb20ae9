#!/usr/bin/env python3
"""Checks that Tenure, DuckDB and pandas gave the same numbers in a bench/reports/run.sh run, then
prints the timings as a Markdown table. Usage: check.py WORK_DIR"""
import json
import math
import sys
from pathlib import Path

work = Path(sys.argv[1])
load = lambda name: json.loads((work / f"{name}.json").read_text())
tenure = {"retention": load("retention"), "series": load("series")["periods"], "cohorts": load("cohorts")["cohorts"],
          "lifecycle": load("lifecycle")["stages"], "segments": load("segments")}
COUNTS = ["S", "E", "N", "lost"]
RATES = ["crr", "churn_rate", "cohort_exact_retention", "repeat_purchase_rate", "purchase_frequency", "average_order_value"]


def same_report(a, b, where):
    for key in COUNTS:
        assert a[key] == b[key], f"{where}: {key} {a[key]} != {b[key]}"
    for key in RATES:
        x, y = a[key], b[key]
        assert (x is None) == (y is None), f"{where}: {key} {x} vs {y}"
        assert x is None or math.isclose(x, y, rel_tol=1e-9), f"{where}: {key} {x} != {y}"


for engine in ["duckdb", "pandas"]:
    other = load(engine)
    same_report(tenure["retention"], other["retention"], f"{engine} retention")
    assert len(tenure["series"]) == len(other["series"]), f"{engine}: series length"
    for i, (a, b) in enumerate(zip(tenure["series"], other["series"])):
        same_report(a, b, f"{engine} series row {i}")
    mine = [(c["cohort"], c["size"], c["customers"]) for c in tenure["cohorts"]]
    theirs = [(c["cohort"], c["size"], c["customers"]) for c in other["cohorts"]]
    assert mine == theirs, f"{engine}: cohort tables differ"
    assert tenure["lifecycle"] == other["lifecycle"], f"{engine}: stages {tenure['lifecycle']} != {other['lifecycle']}"
    for segment in tenure["segments"]["segments"]:
        name, theirs = segment["name"], other["segments"].get(segment["name"], {"customers": 0, "revenue_cents": 0})
        assert segment["customers"] == theirs["customers"], f"{engine}: {name} customers differ"
        assert round(segment["revenue"] * 100) == theirs["revenue_cents"], f"{engine}: {name} revenue differs"
    assert tenure["segments"]["flags"]["big_spender"] == other["big_spenders"], f"{engine}: big spenders differ"
print("Numbers agree: retention report, monthly series, monthly cohort table, lifecycle stages and RFM "
      "segments (Tenure = DuckDB = pandas).\n")

print("| step | seconds | peak MiB |\n| --- | ---: | ---: |")
for line in (work / "times.txt").read_text().split("\n"):
    parts = line.split()
    if len(parts) == 3 and parts[0].isidentifier():
        print(f"| {parts[0]} | {float(parts[1]):.2f} | {int(parts[2]) / 1024:.0f} |")
for engine in ["duckdb", "pandas"]:
    seconds = load(engine)["seconds"]
    print(f"| {engine} steps | " + ", ".join(f"{k} {v:.2f}" for k, v in seconds.items()) + " | |")
