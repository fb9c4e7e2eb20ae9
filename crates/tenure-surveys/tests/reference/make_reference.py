"""Reference data for tests/reference.rs, computed independently of the Rust code.

Made with (from the workspace root; Python 3.11):
    python3 -m venv /tmp/refpy
    /tmp/refpy/bin/pip install numpy==2.4.6 pandas==3.1.1 scipy==1.17.1 pingouin==0.7.0 statsmodels==0.15.0
    /tmp/refpy/bin/python crates/tenure-surveys/tests/reference/make_reference.py
It writes definition.json, responses.csv and expected.json next to this file (seed 20250301).

The data: 400 responses to a SERVQUAL-like survey — 5 dimensions of 7-point expectation/perception
pairs (2–4 items each, each dimension also a scale for Cronbach's alpha), an overall CSAT item, an
NPS, a CES, a 5-item Likert scale, a single and a multiple choice and a rarely answered comment —
driven by one latent satisfaction per respondent so that answers correlate, with ~7 % of answers
skipped. expected.json is the analysis contract (crate tenure-surveys, analysis/mod.rs) computed
with pandas, SciPy (ttest_rel, pearsonr, norm), pingouin (cronbach_alpha) and statsmodels
(proportion_confint, method="wilson"). Nothing is rounded.
"""

import csv
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pingouin as pg
from scipy import stats
from statsmodels.stats.proportion import proportion_confint

HERE = Path(__file__).resolve().parent
SEED = 20250301
N = 400
SKIP = 0.07
MIN_SAMPLE = 30

# dimension -> (items, weight of the latent satisfaction on perception, perception shift)
DIMENSIONS = {
    "tangibles": (["tan_equipment", "tan_facilities", "tan_appearance"], 0.5, 0.65),
    "reliability": (["rel_promise", "rel_interest", "rel_first_time", "rel_records"], 1.3, -0.9),
    "responsiveness": (["res_informed", "res_prompt", "res_willing"], 1.0, -0.5),
    "assurance": (["ass_confidence", "ass_safe"], 0.8, 0.05),
    "empathy": (["emp_individual", "emp_interests", "emp_needs"], 0.7, -0.2),
}
LIKERT = ["loy_again", "loy_first_choice", "loy_recommend", "loy_more", "loy_trust"]
CHANNELS = ["web", "phone", "store"]
TOPICS = ["price", "delivery", "quality", "support"]
COMMENTS = [
    "Great service, thanks!",
    "=SUM(A1:A9)",
    "-5 stars for the wait",
    "@support please call me",
    "+1 for the friendly staff",
    "'=already quoted",
    'Slow, and "helpful" is a stretch',
    "line one\nline two",
    "Sehr gut, danke 👍",
    "\tindented",
]


def definition():
    q = []
    for dim, (items, _, _) in DIMENSIONS.items():
        for item in items:
            q.append({"id": item, "type": "pair", "text": item.replace("_", " "), "points": 7,
                      "scale": dim, "dimension": dim, "page": 1 if dim in ("tangibles", "reliability") else 2})
    q.append({"id": "overall", "type": "csat", "text": "Overall satisfaction", "overall": True,
              "required": True, "page": 3})
    q.append({"id": "nps", "type": "nps", "text": "Recommend?", "page": 3})
    q.append({"id": "effort", "type": "ces", "text": "Easy to handle my issue", "points": 7, "page": 3})
    for item in LIKERT:
        q.append({"id": item, "type": "likert", "text": item, "scale": "loyalty", "page": 3})
    q.append({"id": "channel", "type": "single", "text": "Channel", "page": 3,
              "options": [{"id": c, "text": c} for c in CHANNELS]})
    q.append({"id": "topics", "type": "multi", "text": "Topics", "page": 3,
              "options": [{"id": t, "text": {"en": t, "de": t.upper()}} for t in TOPICS]})
    q.append({"id": "comment", "type": "text", "text": "Anything else?", "page": 3})
    return {"title": {"en": "Service quality", "de": "Servicequalität"}, "default_language": "en",
            "questions": q}


def clip_round(x, low, high):
    return np.clip(np.rint(x), low, high).astype(float)


def generate(rng):
    s = rng.normal(0, 1, N)
    noise = lambda sd=1.0: rng.normal(0, sd, N)
    skipped = lambda: rng.random(N) < SKIP
    data = {}
    for dim, (items, weight, shift) in DIMENSIONS.items():
        for k, item in enumerate(items):
            e = clip_round(5.6 + 0.1 * k + 0.3 * s + noise(0.8), 1, 7)
            p = clip_round(5.0 + shift + weight * s + noise(0.8), 1, 7)
            gone = skipped()
            e[gone], p[gone] = np.nan, np.nan
            data[f"{item}:expectation"], data[f"{item}:perception"] = e, p
    for name, values in {
        "overall": clip_round(3.7 + 0.9 * s + noise(0.5), 1, 5),
        "nps": clip_round(7.2 + 2.0 * s + noise(1.2), 0, 10),
        "effort": clip_round(5.0 + 0.9 * s + noise(1.0), 1, 7),
        **{item: clip_round(3.3 + 0.8 * s + noise(0.7), 1, 5) for item in LIKERT},
    }.items():
        values[skipped() & (name != "overall")] = np.nan
        data[name] = values
    gone = skipped()
    data["channel"] = [None if g else CHANNELS[c] for c, g in zip(rng.choice(3, N, p=[0.6, 0.25, 0.15]), gone)]
    chosen = rng.random((N, len(TOPICS))) < np.array([0.35, 0.3, 0.25, 0.2])
    data["topics"] = [[t for t, c in zip(TOPICS, row) if c] or None for row in chosen]
    comment = [COMMENTS[rng.integers(len(COMMENTS))] if rng.random() < 0.06 else None for _ in range(N)]
    data["comment"] = comment
    start = int(pd.Timestamp("2025-01-06T00:00:00Z").timestamp())
    data["submitted_at"] = np.sort(rng.integers(start, start + 115 * 86400, N))
    data["customer"] = [None if rng.random() < 0.15 else f"c{rng.integers(1, 300)}" for _ in range(N)]
    data["response_id"] = [f"r{i:04d}" for i in range(N)]
    return pd.DataFrame(data)


def given(v):
    """An answer that is there: a non-empty string or list (pandas may hold a skip as None or NaN)."""
    return isinstance(v, (str, list)) and len(v) > 0


def neutralise(text):
    first = text.lstrip("'")[:1]
    return "'" + text if first and first in "=+-@\t\r" else text


def write_csv(df, defn):
    header = ["response_id", "submitted_at", "customer"]
    for q in defn["questions"]:
        header += [f"{q['id']}:expectation", f"{q['id']}:perception"] if q["type"] == "pair" else [q["id"]]
    with open(HERE / "responses.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        for i, row in df.iterrows():
            t = pd.Timestamp(int(row["submitted_at"]), unit="s", tz="UTC")
            # Every 20th time with a +02:00 offset: the same instant, as RFC 3339 allows.
            at = (t.tz_convert("Etc/GMT-2").strftime("%Y-%m-%dT%H:%M:%S+02:00") if i % 20 == 0
                  else t.strftime("%Y-%m-%dT%H:%M:%SZ"))
            cells = [row["response_id"], at, row["customer"] if given(row["customer"]) else ""]
            for col in header[3:]:
                v = row[col]
                if col == "topics":
                    cells.append(";".join(v) if given(v) else "")
                elif col in ("channel", "comment"):
                    cells.append(neutralise(v) if given(v) else "")
                else:
                    cells.append("" if pd.isna(v) else str(int(v)))
            w.writerow(cells)


def pct(part, whole):
    return None if whole == 0 else 100.0 * part / whole


def num(x):
    x = float(x)
    return None if math.isnan(x) else x


def warning(n):
    return f"n = {n} is under {MIN_SAMPLE}: too few to tell" if n < MIN_SAMPLE else None


def question_stats(df, q):
    kind, qid = q["type"], q["id"]
    if kind == "pair":
        e, p = df[f"{qid}:expectation"], df[f"{qid}:perception"]
        both = e.notna() & p.notna()
        n = int(both.sum())
        em, pm = e[both].mean(), p[both].mean()
        return {"type": "pair", "n": n, "warning": warning(n), "expectation_mean": num(em),
                "perception_mean": num(pm), "gap": num(pm - em)}
    if kind in ("single", "multi"):
        col = df[qid]
        answered = [v for v in col if given(v)]
        n = len(answered)
        counts = {o["id"]: sum(1 for v in answered if (v == o["id"] if kind == "single" else o["id"] in v))
                  for o in q["options"]}
        return {"type": kind, "n": n, "warning": warning(n),
                "options": {k: {"count": c, "percent": pct(c, n)} for k, c in counts.items()}}
    if kind == "text":
        n = int(sum(1 for v in df[qid] if given(v)))
        return {"type": "text", "n": n, "warning": warning(n)}
    v = df[qid].dropna()
    n = len(v)
    out = {"type": kind, "n": n, "warning": warning(n)}
    if kind == "csat":
        k = int((v >= 4).sum())
        lo, hi = proportion_confint(k, n, alpha=0.05, method="wilson")
        out |= {"csat_percent": pct(k, n), "mean": num(v.mean()), "ci95": [lo * 100, hi * 100]}
    elif kind == "nps":
        pro, pas, det = int((v >= 9).sum()), int(((v >= 7) & (v <= 8)).sum()), int((v <= 6).sum())
        score = pct(pro, n) - pct(det, n)
        pp, pd_ = pro / n, det / n
        half = stats.norm.isf(0.025) * 100 * math.sqrt((pp + pd_ - (pp - pd_) ** 2) / n)
        out |= {"nps": score, "promoters": pct(pro, n), "passives": pct(pas, n), "detractors": pct(det, n),
                "ci95": [score - half, score + half]}
    elif kind == "ces":
        out |= {"mean": num(v.mean()), "percent_agree": pct(int((v >= 5).sum()), n)}
    elif kind == "likert":
        out |= {"mean": num(v.mean()), "distribution": [int((v == p).sum()) for p in range(1, 6)],
                "top2_box": pct(int((v >= 4).sum()), n), "bottom2_box": pct(int((v <= 2).sum()), n)}
    return out


def item_series(df, q, pair_as):
    if q["type"] == "pair":
        e, p = df[f"{q['id']}:expectation"], df[f"{q['id']}:perception"]
        return p - e if pair_as == "gap" else p
    return df[q["id"]]


def alpha(frame):
    if frame.shape[1] < 2 or len(frame) < 2:
        return None
    return num(pg.cronbach_alpha(data=frame)[0])


def scales(df, defn):
    out = {}
    names = list(dict.fromkeys(q["scale"] for q in defn["questions"] if q.get("scale")))
    for name in names:
        qs = [q for q in defn["questions"] if q.get("scale") == name]
        frame = pd.DataFrame({q["id"]: item_series(df, q, "gap") for q in qs}).dropna()
        out[name] = {"items": [q["id"] for q in qs], "n": len(frame), "cronbach_alpha": alpha(frame),
                     "alpha_if_deleted": {q["id"]: alpha(frame.drop(columns=[q["id"]])) for q in qs}}
    return out


def dimensions(df, defn):
    out = {}
    for name, (items, _, _) in DIMENSIONS.items():
        e = pd.DataFrame({i: df[f"{i}:expectation"] for i in items}).mean(axis=1, skipna=True)
        p = pd.DataFrame({i: df[f"{i}:perception"] for i in items}).mean(axis=1, skipna=True)
        keep = e.notna()
        e, p = e[keep], p[keep]
        test = stats.ttest_rel(p, e)
        out[name] = {"items": items, "n": int(keep.sum()), "expectation_mean": num(e.mean()),
                     "perception_mean": num(p.mean()), "gap": num(p.mean() - e.mean()),
                     "p_value": num(test.pvalue)}
    return out


def ipa(df, defn):
    overall = df["overall"]
    rows = []
    for q in defn["questions"]:
        if q["type"] not in ("csat", "ces", "likert", "pair") or q.get("overall"):
            continue
        x = item_series(df, q, "perception")
        both = x.notna() & overall.notna()
        r = stats.pearsonr(x[both], overall[both]).statistic
        rows.append({"item": q["id"], "importance": num(r), "performance": num(x.mean())})
    mi = np.mean([r["importance"] for r in rows])
    mp = np.mean([r["performance"] for r in rows])
    names = {(True, False): "concentrate here", (True, True): "keep up the good work",
             (False, False): "low priority", (False, True): "possible overkill"}
    for r in rows:
        r["quadrant"] = names[(r["importance"] >= mi, r["performance"] >= mp)]
    return rows


def trends(df):
    days = pd.to_datetime(df["submitted_at"], unit="s", utc=True).dt.tz_localize(None).dt.normalize()
    labels = {"week": (days - pd.to_timedelta(days.dt.day_of_week, unit="D")).dt.strftime("%Y-%m-%d"),
              "month": days.dt.strftime("%Y-%m")}
    out = {}
    for period, label in labels.items():
        out[period] = {}
        for qid in ("overall", "nps"):
            v = df[qid]
            series = []
            for key, group in v.groupby(label):
                g = group.dropna()
                n = len(g)
                if n == 0:
                    continue
                value = pct(int((g >= 4).sum()), n) if qid == "overall" else pct(int((g >= 9).sum()), n) - pct(int((g <= 6).sum()), n)
                series.append({"period": key, "n": n, "value": value})
            out[period][qid] = sorted(series, key=lambda s: s["period"])
    return out


def main():
    rng = np.random.default_rng(SEED)
    defn = definition()
    df = generate(rng)
    write_csv(df, defn)
    (HERE / "definition.json").write_text(json.dumps(defn, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    expected = {
        "responses": len(df),
        "questions": {q["id"]: question_stats(df, q) for q in defn["questions"]},
        "scales": scales(df, defn),
        "dimensions": dimensions(df, defn),
        "ipa": ipa(df, defn),
        "trends": trends(df),
    }
    (HERE / "expected.json").write_text(json.dumps(expected, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
