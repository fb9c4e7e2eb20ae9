#!/usr/bin/env python3
"""Reference values for tests/pareto_nbd.rs, computed with mpmath (30-40 digits).

The Pareto/NBD likelihood of Fader & Hardie (2005), "A Note on Deriving the Pareto/NBD Model and
Related Expressions", evaluated independently of the Rust code:
1. the CDNOW total log-likelihood at the published estimates r = 0.553, alpha = 10.578,
   s = 0.606, beta = 11.669 (prints -9594.97401004..., while the paper rounds to -9594.98);
2. d LL / d ln s for single customers where the 2F1 connection formula is in play.
Run: pip install mpmath && python3 tests/reference/pareto_nbd.py
"""
import csv
import os

import mpmath as mp


def log_likelihood(r, a, s, b, x, tx, T):
    r, a, s, b, x, tx, T = map(mp.mpf, (r, a, s, b, x, tx, T))
    rsx = r + s + x
    if a >= b:
        term = lambda t: mp.hyp2f1(rsx, s + 1, rsx + 1, (a - b) / (a + t)) / (a + t) ** rsx
    else:
        term = lambda t: mp.hyp2f1(rsx, r + x, rsx + 1, (b - a) / (b + t)) / (b + t) ** rsx
    a0 = term(tx) - term(T)
    return (mp.loggamma(r + x) - mp.loggamma(r) + r * mp.log(a) + s * mp.log(b)
            + mp.log(1 / ((a + T) ** (r + x) * (b + T) ** s) + s / rsx * a0))


def main():
    mp.mp.dps = 40
    r, a, s, b, T = 0.05, 45.49100240614599, 0.05, 2.7271067920788856, 23.207417227729827
    for x, tx in [(86, 0.006440638252214866 * T), (113, 0.0)]:
        f = lambda ls: log_likelihood(r, a, mp.e ** ls, b, x, tx, T)
        print(f"x = {x}, t_x = {tx!r}: dLL/dln s =", mp.nstr(mp.diff(f, mp.log(s)), 20))
    mp.mp.dps = 30
    here = os.path.dirname(os.path.abspath(__file__))
    path = os.path.join(here, "..", "..", "..", "..", "data", "cdnow", "cdnow_customers_summary.csv")
    total = mp.mpf(0)
    for row in csv.DictReader(open(path)):
        total += log_likelihood(0.553, 10.578, 0.606, 11.669,
                                float(row["frequency"]), float(row["recency"]), float(row["T"]))
    print("CDNOW LL at the published estimates:", mp.nstr(total, 20))


if __name__ == "__main__":
    main()
