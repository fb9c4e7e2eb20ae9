#!/usr/bin/env python3
"""DuckDB and pandas computing Tenure's retention report, monthly series, monthly cohort table,
lifecycle stages and RFM segments (PRODUCT.md section 2, with the rules documented in
crates/tenure-metrics: lifecycle precedence, quintile scores, the segment table) from the same
CDNOW-layout file that `tenure generate` writes.

Written from PRODUCT.md, not from the Rust code. Usage:

    compare.py ENGINE FILE --from D --to D [--window 365] [--as-of D]

ENGINE is `duckdb` or `pandas`. Prints one JSON object: the numbers, the seconds each step took
and the peak resident memory of the process. Days are the file's dates (the orders carry no time
of day, and Tenure's CDNOW importer stores them at 12:00 UTC, so in UTC both see the same days).
"""
import argparse
import json
import resource
import sys
import time
from datetime import date

EPOCH = date(1970, 1, 1)


def day_number(text):
    return (date.fromisoformat(text) - EPOCH).days


def month_periods(start, end):
    """[first, last] day numbers of every calendar month overlapping [start, end], clipped."""
    periods = []
    d0, d1 = date.fromisoformat(start), date.fromisoformat(end)
    y, m = d0.year, d0.month
    while (y, m) <= (d1.year, d1.month):
        first = date(y, m, 1)
        y2, m2 = (y + 1, 1) if m == 12 else (y, m + 1)
        last = date.fromordinal(date(y2, m2, 1).toordinal() - 1)
        periods.append(((max(first, d0) - EPOCH).days, (min(last, d1) - EPOCH).days))
        y, m = y2, m2
    return periods


def summarise(row, start, end, window):
    s, e, n, kept, buyers, repeaters, orders, revenue = (int(v or 0) for v in row)
    pct = lambda num, den: num / den * 100 if den else None
    return {
        "start": start, "end": end, "window_days": window, "S": s, "E": e, "N": n, "lost": s - kept,
        "crr": pct(e - n, s), "churn_rate": pct(s - kept, s), "cohort_exact_retention": pct(kept, s),
        "repeat_purchase_rate": pct(repeaters, buyers),
        "purchase_frequency": orders / buyers if buyers else None,
        "average_order_value": revenue / orders / 100 if orders else None,
    }


# --- DuckDB ---------------------------------------------------------------------------------------

REPORT_SQL = """
WITH per AS (
  SELECT customer,
    max(day) FILTER (WHERE day <= $s) AS last_s,
    max(day) FILTER (WHERE day <= $e) AS last_e,
    min(day) AS first_day,
    count(*) FILTER (WHERE day BETWEEN $s AND $e) AS n_in,
    sum(cents) FILTER (WHERE day BETWEEN $s AND $e) AS rev_in
  FROM orders GROUP BY customer)
SELECT
  count(*) FILTER (WHERE last_s >= $s - $w + 1),
  count(*) FILTER (WHERE last_e >= $e - $w + 1),
  count(*) FILTER (WHERE first_day > $s AND first_day <= $e),
  count(*) FILTER (WHERE last_s >= $s - $w + 1 AND last_e >= $e - $w + 1),
  count(*) FILTER (WHERE n_in > 0),
  count(*) FILTER (WHERE n_in >= 2),
  sum(n_in), sum(rev_in)
FROM per
"""

COHORT_SQL = """
WITH o AS (SELECT customer, month FROM orders WHERE day <= $a),
f AS (SELECT customer, min(month) AS cohort FROM o GROUP BY customer)
SELECT f.cohort, o.month - f.cohort AS k, count(DISTINCT o.customer)
FROM o JOIN f USING (customer) GROUP BY 1, 2 ORDER BY 1, 2
"""


LIFECYCLE_SQL = """
WITH d AS (SELECT DISTINCT customer, day FROM orders WHERE day <= $a),
g AS (SELECT customer, day, day - lag(day) OVER (PARTITION BY customer ORDER BY day) AS gap FROM d),
per AS (SELECT customer, min(day) AS first_day, max(day) AS last_day, count(*) AS k FROM d GROUP BY customer),
back AS (SELECT DISTINCT customer FROM g WHERE day >= $a - $w + 1 AND gap > $w)
SELECT CASE
    WHEN last_day < $a - $w + 1 THEN 'churned'
    WHEN first_day >= $a - 30 + 1 THEN 'new'
    WHEN k >= 2 AND CAST($a - last_day AS DOUBLE) > 2.0 * (CAST(last_day - first_day AS DOUBLE) / CAST(k - 1 AS DOUBLE))
        THEN 'at_risk'
    WHEN back.customer IS NOT NULL THEN 'reactivated'
    ELSE 'active' END AS stage,
  count(*)
FROM per LEFT JOIN back USING (customer) GROUP BY 1
"""

SEGMENTS_SQL = """
WITH per AS (SELECT customer, max(day) AS last_day, count(*) AS f, sum(cents) AS m
             FROM orders WHERE day <= $a GROUP BY customer),
n AS (SELECT count(*) AS n FROM per),
scored AS (
  SELECT m,
    1 + (5 * (rank() OVER (ORDER BY last_day) - 1)) // n AS rs,
    1 + (5 * (rank() OVER (ORDER BY f) - 1)) // n AS fs,
    1 + (5 * (rank() OVER (ORDER BY m) - 1)) // n AS ms,
    10 * (rank() OVER (ORDER BY m DESC) - 1) < n AS big
  FROM per, n)
SELECT CASE
    WHEN rs >= 4 AND fs >= 4 AND ms >= 4 THEN 'Champions'
    WHEN rs >= 3 AND fs >= 4 THEN 'Loyal'
    WHEN rs <= 2 AND fs >= 4 AND ms >= 4 THEN 'Cannot lose them'
    WHEN rs <= 2 AND fs >= 3 THEN 'At risk'
    WHEN rs >= 4 AND fs BETWEEN 2 AND 3 THEN 'Potential loyalists'
    WHEN rs = 5 AND fs = 1 THEN 'New'
    WHEN rs = 4 AND fs = 1 THEN 'Promising'
    WHEN rs = 3 AND fs <= 2 THEN 'About to sleep'
    WHEN rs = 2 AND fs <= 2 THEN 'Hibernating'
    WHEN rs = 1 AND fs <= 2 THEN 'Lost'
    ELSE 'Need attention' END AS segment,
  count(*), sum(m), sum(CAST(big AS INTEGER))
FROM scored GROUP BY 1
"""


def run_duckdb(path, args, timings):
    import duckdb

    con = duckdb.connect()
    t = time.perf_counter()
    con.execute(f"""
        CREATE TABLE orders AS
        SELECT customer_id AS customer,
               date_diff('day', DATE '1970-01-01', strptime(CAST(date AS VARCHAR), '%Y%m%d')::DATE) AS day,
               CAST(round(dollar_value * 100) AS BIGINT) AS cents
        FROM read_csv('{path}', delim=' ', header=true,
                      columns={{'customer_id':'BIGINT','date':'BIGINT','number_of_cds':'BIGINT','dollar_value':'DOUBLE'}})
    """)
    con.execute("ALTER TABLE orders ADD COLUMN month INTEGER")
    con.execute("UPDATE orders SET month = year(DATE '1970-01-01' + day::INTEGER) * 12 + month(DATE '1970-01-01' + day::INTEGER) - 1")
    timings["load"] = time.perf_counter() - t

    def report(s, e):
        row = con.execute(REPORT_SQL, {"s": s, "e": e, "w": args.window}).fetchone()
        return row

    customers = con.execute("SELECT count(DISTINCT customer) FROM orders").fetchone()[0]
    return compute(
        report,
        lambda a: con.execute(COHORT_SQL, {"a": a}).fetchall(),
        lambda a: (con.execute(LIFECYCLE_SQL, {"a": a, "w": args.window}).fetchall(), customers),
        lambda a: con.execute(SEGMENTS_SQL, {"a": a}).fetchall(),
        args,
        timings,
    )


# --- pandas ---------------------------------------------------------------------------------------

def run_pandas(path, args, timings):
    import pandas as pd

    t = time.perf_counter()
    df = pd.read_csv(path, sep=" ", dtype={"customer_id": "int64", "date": "str"})
    dates = pd.to_datetime(df["date"], format="%Y%m%d")
    orders = pd.DataFrame({
        "customer": df["customer_id"].to_numpy(),
        "day": (dates - pd.Timestamp("1970-01-01")).dt.days.to_numpy(),
        "cents": (df["dollar_value"] * 100).round().astype("int64").to_numpy(),
        "month": (dates.dt.year * 12 + dates.dt.month - 1).to_numpy(),
    })
    del df, dates
    first = orders.groupby("customer")["day"].min()
    timings["load"] = time.perf_counter() - t

    def report(s, e):
        w = args.window
        last_s = orders.loc[orders.day <= s].groupby("customer")["day"].max()
        last_e = orders.loc[orders.day <= e].groupby("customer")["day"].max()
        active_s = set(last_s.index[last_s >= s - w + 1])
        active_e = set(last_e.index[last_e >= e - w + 1])
        inside = orders.loc[(orders.day >= s) & (orders.day <= e)]
        per = inside.groupby("customer")["cents"].agg(["size", "sum"])
        n = int(((first > s) & (first <= e)).sum())
        return (len(active_s), len(active_e), n, len(active_s & active_e), len(per),
                int((per["size"] >= 2).sum()), int(per["size"].sum()), int(per["sum"].sum()))

    def cohorts(a):
        o = orders.loc[orders.day <= a, ["customer", "month"]]
        cohort = o.groupby("customer")["month"].transform("min")
        cells = o.assign(cohort=cohort, k=o.month - cohort).drop_duplicates(["customer", "k"])
        counts = cells.groupby(["cohort", "k"]).size()
        return [(int(c), int(k), int(v)) for (c, k), v in counts.items()]

    def lifecycle(a):
        w = args.window
        days = orders.loc[orders.day <= a, ["customer", "day"]].drop_duplicates().sort_values(["customer", "day"])
        per = days.groupby("customer")["day"].agg(["min", "max", "size"])
        gap = days["day"] - days.groupby("customer")["day"].shift(1)
        back = set(days.loc[(days["day"] >= a - w + 1) & (gap > w), "customer"])
        churned = per["max"] < a - w + 1
        new = ~churned & (per["min"] >= a - 30 + 1)
        k = per["size"].astype("float64")
        mean_gap = (per["max"] - per["min"]).astype("float64") / (k - 1)
        at_risk = ~churned & ~new & (per["size"] >= 2) & ((a - per["max"]).astype("float64") > 2.0 * mean_gap)
        reactivated = ~churned & ~new & ~at_risk & per.index.isin(back)
        active = ~churned & ~new & ~at_risk & ~reactivated
        stages = {"churned": churned, "new": new, "at_risk": at_risk, "reactivated": reactivated, "active": active}
        return [(name, int(mask.sum())) for name, mask in stages.items()], int(orders["customer"].nunique())

    def segments(a):
        per = orders.loc[orders.day <= a].groupby("customer").agg(last_day=("day", "max"), f=("day", "size"),
                                                                    m=("cents", "sum"))
        n = len(per)
        score = lambda column: 1 + (5 * (per[column].rank(method="min").astype("int64") - 1)) // n
        rs, fs, ms = score("last_day"), score("f"), score("m")
        big = 10 * (per["m"].rank(method="min", ascending=False).astype("int64") - 1) < n
        rules = [
            ("Champions", (rs >= 4) & (fs >= 4) & (ms >= 4)),
            ("Loyal", (rs >= 3) & (fs >= 4)),
            ("Cannot lose them", (rs <= 2) & (fs >= 4) & (ms >= 4)),
            ("At risk", (rs <= 2) & (fs >= 3)),
            ("Potential loyalists", (rs >= 4) & fs.between(2, 3)),
            ("New", (rs == 5) & (fs == 1)),
            ("Promising", (rs == 4) & (fs == 1)),
            ("About to sleep", (rs == 3) & (fs <= 2)),
            ("Hibernating", (rs == 2) & (fs <= 2)),
            ("Lost", (rs == 1) & (fs <= 2)),
        ]
        segment = pd.Series("Need attention", index=per.index)
        taken = pd.Series(False, index=per.index)
        for name, mask in rules:
            segment[mask & ~taken] = name
            taken |= mask
        grouped = per.assign(segment=segment, big=big).groupby("segment").agg(
            customers=("m", "size"), revenue=("m", "sum"), big=("big", "sum"))
        return [(name, int(row.customers), int(row.revenue), int(row.big)) for name, row in grouped.iterrows()]

    return compute(report, cohorts, lifecycle, segments, args, timings)


# --- shared -------------------------------------------------------------------------------------

def compute(report, cohorts, lifecycle, segments, args, timings):
    s, e = day_number(args.start), day_number(args.end)
    t = time.perf_counter()
    headline = summarise(report(s, e), args.start, args.end, args.window)
    timings["retention"] = time.perf_counter() - t
    t = time.perf_counter()
    series = [summarise(report(a, b), a, b, args.window) for a, b in month_periods(args.start, args.end)]
    timings["retention_series"] = time.perf_counter() - t
    t = time.perf_counter()
    cells = cohorts(day_number(args.as_of or args.end))
    table = {}
    for cohort, k, n in cells:
        table.setdefault(cohort, {})[k] = n
    rows = [{"cohort": f"{c // 12:04d}-{c % 12 + 1:02d}", "size": ks[0],
             "customers": [ks.get(k, 0) for k in range(max(ks) + 1)]} for c, ks in sorted(table.items())]
    timings["cohorts"] = time.perf_counter() - t
    as_of = day_number(args.as_of or args.end)
    t = time.perf_counter()
    counted, customers = lifecycle(as_of)
    stages = {name: 0 for name in ["new", "active", "at_risk", "reactivated", "churned"]}
    stages.update({name: int(n) for name, n in counted})
    stages["prospect"] = customers - sum(stages.values())
    timings["lifecycle"] = time.perf_counter() - t
    t = time.perf_counter()
    by_segment = {name: (int(c), int(m), int(b)) for name, c, m, b in segments(as_of)}
    timings["segments"] = time.perf_counter() - t
    return {
        "retention": headline, "series": series, "cohorts": rows, "lifecycle": stages,
        "segments": {name: {"customers": c, "revenue_cents": m} for name, (c, m, _) in by_segment.items()},
        "big_spenders": sum(b for _, _, b in by_segment.values()),
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("engine", choices=["duckdb", "pandas"])
    parser.add_argument("file")
    parser.add_argument("--from", dest="start", required=True)
    parser.add_argument("--to", dest="end", required=True)
    parser.add_argument("--window", type=int, default=365)
    parser.add_argument("--as-of", dest="as_of")
    args = parser.parse_args()
    timings = {}
    t = time.perf_counter()
    run = run_duckdb if args.engine == "duckdb" else run_pandas
    numbers = run(args.file, args, timings)
    timings["total"] = time.perf_counter() - t
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    json.dump({"engine": args.engine, "seconds": timings, "peak_mib": peak_mib, **numbers}, sys.stdout)


if __name__ == "__main__":
    main()
