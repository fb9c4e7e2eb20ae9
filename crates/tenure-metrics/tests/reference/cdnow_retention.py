#!/usr/bin/env python3
"""Independent reference for tenure-metrics' CDNOW tests (Python stdlib only).

Written from PRODUCT.md section 2, not from the Rust code. Usage:

    python3 cdnow_retention.py [path/to/CDNOW_master.txt]

Every row of CDNOW_master.txt (`customer_id YYYYMMDD cds dollars`) is one paid order; several rows
of one customer on one day are separate orders. Prints the retention report for
[1997-06-30, 1998-06-30] with W = 365 days, the same report for [1997-12-31, 1998-03-31] with
W = 90, and the first monthly cohorts.
"""
import sys
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

DEFAULT = Path(__file__).resolve().parents[4] / "data" / "cdnow" / "CDNOW_master.txt"


def load(path):
    orders = defaultdict(list)  # customer id -> list of (date, cents)
    with open(path) as f:
        next(f)  # header
        for line in f:
            cid, ymd, _cds, dollars = line.split()
            day = date(int(ymd[:4]), int(ymd[4:6]), int(ymd[6:]))
            cents = int(Decimal(dollars) * 100)
            orders[cid].append((day, cents))
    return orders


def active(dates, t, w):
    """A purchase on a day in [t - w + 1, t]."""
    lo = t - timedelta(days=w - 1)
    return any(lo <= d <= t for d in dates)


def report(orders, start, end, w):
    s_set, e_set, n_set = set(), set(), set()
    buyers = repeaters = n_orders = revenue = gap_days = gaps = 0
    for cid, rows in orders.items():
        dates = [d for d, _ in rows]
        if active(dates, start, w):
            s_set.add(cid)
        if active(dates, end, w):
            e_set.add(cid)
        if start < min(dates) <= end:
            n_set.add(cid)
        inside = sorted((d, c) for d, c in rows if start <= d <= end)
        if inside:
            buyers += 1
            repeaters += len(inside) >= 2
            n_orders += len(inside)
            revenue += sum(c for _, c in inside)
            for (a, _), (b, _) in zip(inside, inside[1:]):
                gap_days += (b - a).days
                gaps += 1
    S, E, N = len(s_set), len(e_set), len(n_set)
    kept = len(s_set & e_set)
    print(f"report [{start}, {end}] W={w}")
    print(f"  S={S} E={E} N={N} lost={S - kept} retained={kept}")
    print(f"  crr={(E - N) / S * 100!r} churn_rate={(S - kept) / S * 100!r}")
    print(f"  cohort_exact_retention={kept / S * 100!r}")
    print(f"  ordering_customers={buyers} orders={n_orders} revenue_cents={revenue}")
    print(f"  repeat_purchase_rate={repeaters / buyers * 100!r} purchase_frequency={n_orders / buyers!r}")
    print(f"  average_order_value_cents={revenue / n_orders!r} mean_days_between_orders={gap_days / gaps!r}")


def cohorts(orders, months=3):
    size = defaultdict(int)
    seen = defaultdict(set)  # (cohort month, k) -> customers
    for cid, rows in orders.items():
        first = min(d for d, _ in rows)
        key = (first.year, first.month)
        size[key] += 1
        for d, _ in rows:
            k = (d.year - first.year) * 12 + d.month - first.month
            seen[(key, k)].add(cid)
    for key in sorted(size)[:months]:
        n = size[key]
        month1 = len(seen[(key, 1)]) / n * 100
        print(f"cohort {key[0]}-{key[1]:02d} size={n} month1_customers={len(seen[(key, 1)])} month1={month1!r}")


def main():
    orders = load(sys.argv[1] if len(sys.argv) > 1 else DEFAULT)
    print(f"customers={len(orders)} orders={sum(len(r) for r in orders.values())}")
    report(orders, date(1997, 6, 30), date(1998, 6, 30), 365)
    report(orders, date(1997, 12, 31), date(1998, 3, 31), 90)
    cohorts(orders)


if __name__ == "__main__":
    main()
