"""Turns the JSON, /usr/bin/time and wall-clock lines that bench/models/run.sh leaves in its work
directory into the Markdown table of bench/RESULTS.md (standard library only).

Columns: "job s" is the wall time of the whole process measured from outside (microsecond clock);
"read + group + fit s" is what the job reports for those phases from inside (lifetimes: after
its imports; the CLI reports no phases, so its job time is used); peak MiB is time's maximum RSS.
Jobs run several times (run.sh's REPEATS): the median wall time and the largest peak are shown."""

import json
import statistics
import pathlib
import sys

work, customers = pathlib.Path(sys.argv[1]), int(sys.argv[2])
peaks = {}
for line in (work / "times.txt").read_text().splitlines():
    name, _seconds, kib = line.split()
    peaks[name] = max(peaks.get(name, 0), int(kib))
runs = {}
for line in (work / "walls.txt").read_text().splitlines():
    name, start, end = line.split()
    runs.setdefault(name, []).append(float(end) - float(start))
# The median run of each job (the JSON phases are the last run's).
walls = {name: statistics.median(times) for name, times in runs.items()}


def load(name):
    path = work / f"{name}.json"
    return json.loads(path.read_text()) if name in walls and path.stat().st_size else None


SIDES = {"tenure-cli": "Tenure CLI `tenure model fit`", "tenure": "Tenure library (example `fit_summary`)",
         "lifetimes": "lifetimes 0.11.3"}
print("| data | model | side | job s | read + group + fit s | predict s | peak MiB | log-likelihood | iterations |")
print("| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
summary = []
for data, label in [("cdnow", "CDNOW (2,357)"), ("sim", f"simulated ({customers:,})")]:
    for model in ["bgnbd", "pareto-nbd"]:
        rows = {}
        for side, shown in SIDES.items():
            name = f"{side}-{data}-{model}"
            job = load(name)
            if job is None:
                continue
            wall = walls[name]
            seconds = job.get("seconds", {})
            fit = seconds.get("read_prepare_fit", wall)
            rows[side] = (wall, fit, job["log_likelihood"])
            predict = seconds.get("predict")
            print(
                f"| {label} | {model} | {shown} | {wall:.3f} | {fit:.3f} | "
                + (f"{predict:.3f}" if predict is not None else "–")
                + f" | {peaks[name] / 1024:.0f} | {job['log_likelihood']:.6f} | {job.get('iterations', '–')} |"
            )
        if "lifetimes" not in rows:
            continue
        l_wall, l_fit, l_ll = rows["lifetimes"]
        for side in ["tenure-cli", "tenure"]:
            if side in rows:
                wall, fit, ll = rows[side]
                summary.append(
                    f"{label} {model}, {SIDES[side]}: {l_fit / fit:.0f}× on read + group + fit, "
                    f"{l_wall / wall:.0f}× on the whole process; log-likelihood Tenure − lifetimes = {ll - l_ll:+.3g}"
                )
print()
for line in summary:
    print(f"- {line}")
