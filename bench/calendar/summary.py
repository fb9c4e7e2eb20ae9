#!/usr/bin/env python3
"""Prints bench/calendar/run.sh's figures as Markdown. Usage: summary.py RUN_DIR ROWS"""

import json
import os
import statistics
import sys

run, rows = sys.argv[1], int(sys.argv[2])


def read(name, default=""):
    path = os.path.join(run, name)
    return open(path).read().strip() if os.path.exists(path) else default


times = {}
for line in read("times.txt").splitlines():
    label, wall, cpu, kib, busy = line.split()
    times[label] = dict(wall=float(wall), cpu=float(cpu), mb=int(kib) / 1024, busy=float(busy))


def runs(prefix):
    return [v for k, v in sorted(times.items()) if k.startswith(prefix)]


def med(values, key):
    return statistics.median(v[key] for v in values)


print(read("setup.txt"))
print()
print("Import (the same file; tenure into a copy of the stored shop, the floor into an empty table):")
print()
print("| engine | floor | tenure interactions import | tenure ÷ floor | tenure CPU | peak RSS | machine busy during the import |")
print("|---|---|---|---|---|---|---|")
for engine, floor_name in (("sqlite", "sqlite3 `.import --csv`"), ("postgres", "psql `\\copy … CSV`")):
    floors, imports = runs(f"floor-{engine}"), runs(f"import-{engine}")
    failed = read(f"import-{engine}-failed") or read(f"import-{engine}.failed")
    if failed and floors:
        took, _, why = failed.partition(" ")
        f = med(floors, "wall")
        locks = read(f"{engine}-locks")
        print(f"| {'SQLite' if engine == 'sqlite' else 'PostgreSQL'} | {floor_name}: {f:.1f} s "
              f"({rows / f / 1000:.0f} k rows/s) | **failed after {float(took):.0f} s**: `{why}` | — | — | — | "
              + (f"max_locks_per_transaction, max_connections: {locks}" if locks else "") + " |")
        continue
    if not imports:
        continue
    f, t = med(floors, "wall"), med(imports, "wall")
    ratios = [i["wall"] / fl["wall"] for fl, i in zip(floors, imports)]
    each = f" ({' '.join(f'{r:.1f}' for r in ratios)})" if len(ratios) > 1 else ""
    print(f"| {'SQLite' if engine == 'sqlite' else 'PostgreSQL'} | {floor_name}: {f:.1f} s "
          f"({rows / f / 1000:.0f} k rows/s, {med(floors, 'mb'):.0f} MB) | {t:.1f} s ({rows / t / 1000:.1f} k rows/s) | "
          f"**{statistics.median(ratios):.1f}×**{each} | {med(imports, 'cpu'):.1f} s | {med(imports, 'mb'):.0f} MB | "
          f"{med(imports, 'busy'):.1f} s of CPU on all cores |")
sizes = [f"SQLite file {int(read('sqlite-db-kib')) / 1024 ** 2:.2f} GB"] if read("sqlite-db-kib") else []
if read("postgres-db-kib"):
    sizes.append(f"PostgreSQL database {int(read('postgres-db-kib')) / 1024 ** 2:.2f} GB")
print()
if sizes:
    print("After the import: " + ", ".join(sizes) + ".")
for engine in ("sqlite", "postgres"):
    shop = times.get(f"shop-import-{engine}")
    if shop:
        print(f"The shop's own import on {engine} (`tenure import --format csv`, with the model refit): "
              f"{shop['wall']:.1f} s, {shop['mb']:.0f} MB.")
statements = read("postgres-statements.csv")
if statements:
    import csv
    import io
    total = read("postgres-statements-total").split("|")
    print()
    print(f"What the PostgreSQL import asked of the server (pg_stat_statements: {int(total[0]):,} statements, "
          f"{float(total[1]):.1f} s of execution in all):")
    print()
    print("| calls | execution | rows | statement |")
    print("|---:|---:|---:|---|")
    for r in csv.DictReader(io.StringIO(statements)):
        print(f"| {int(r['calls']):,} | {float(r['exec_s']):.1f} s | {int(r['rows']):,} | `{r['statement']}` |")
print()
print("Who has gone quiet (`tenure calendar quiet --limit 50 --json`; three rules):")
print()
print("| engine | 1st run (page cache: {}) | 2nd | 3rd | peak RSS | quiet / snoozed | `calendar check` (first: records the alerts) |".format(
    read("quiet-sqlite-cache") or read("quiet-postgres-cache", "?")))
print("|---|---|---|---|---|---|---|")
for engine in ("sqlite", "postgres"):
    q = [times.get(f"quiet-{engine}-{n}") for n in (1, 2, 3)]
    if not all(q):
        continue
    out = json.loads(read(f"quiet-{engine}-3.out"))
    check = times[f"check-{engine}"]
    done = json.loads(read(f"check-{engine}.out"))
    print(f"| {'SQLite' if engine == 'sqlite' else 'PostgreSQL'} | {q[0]['wall']:.2f} s | {q[1]['wall']:.2f} s | "
          f"{q[2]['wall']:.2f} s | {max(x['mb'] for x in q):.0f} MB | {out['total']:,} / {out['snoozed']:,} | "
          f"{check['wall']:.1f} s: {done['alerted']:,} alerts of {done['quiet']:,} quiet |")
web = read("web.txt")
if web or read("web-sqlite") == "missing":
    print()
    print("The dashboard (`tenure serve`, signed in; GET /gone-quiet, curl's total time):")
    print()
    if read("web-sqlite") == "missing":
        print("**Not measured: crates/tenure-web has no /gone-quiet page in this build.**")
    else:
        print("| engine | 1st GET (loads the purchases) | 2nd (warm) | 3rd (warm) | server peak RSS | the server's cadence check at start |")
        print("|---|---|---|---|---|---|")
        pages = {}
        for line in web.splitlines():
            label, status, total = line.split()
            _, engine, n = label.split("-")
            pages.setdefault(engine, {})[int(n)] = (status, float(total))
        for engine, got in pages.items():
            cells = [f"{t:.3f} s" + ("" if s == "200" else f" (HTTP {s})") for s, t in (got[n] for n in (1, 2, 3))]
            check = read(f"server-check-{engine}").split(" ", 3)
            took = ""
            if len(check) == 4:
                from datetime import datetime
                a, b = (datetime.fromisoformat(x.replace("Z", "+00:00")) for x in check[:2])
                took = f"{(b - a).total_seconds():.0f} s, {check[2]}: {check[3]}"
            peak = int(read(f"serve-{engine}-peak-kib", "0")) / 1024
            print(f"| {'SQLite' if engine == 'sqlite' else 'PostgreSQL'} | {' | '.join(cells)} | {peak:.0f} MB | {took} |")
