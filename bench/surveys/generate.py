"""Writes the analysis bench's input: a definition and a responses CSV in the contract format of
docs/surveys.md.

Usage: generate.py TEMPLATES_JSON N OUT_DIR [SEED]

TEMPLATES_JSON is `tenure survey templates --json`. The definition is the `servqual` template (16
expectation/perception pairs on 7 points in five dimensions, each dimension also a scale, an
overall CSAT item, a comment) with a 0–10 NPS question added on its last page, so the headline
numbers people ask of such a survey are all there: CSAT %, NPS, means, Cronbach's alpha per
scale, dimension gaps with a paired t-test.

The N responses are driven by one latent satisfaction per respondent (so answers correlate and
alpha means something), each dimension with its own weight and shift; 5 % of the pairs and 10 %
of the NPS answers are skipped (both sides of a pair together, as the contract requires), 8 %
leave a comment, 20 % have no customer, and the submission times spread over 2025 in order.
Seeded: the same N and seed write the same files.
"""

import json
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

# dimension -> (weight of the latent satisfaction on perception, perception shift)
DIMENSIONS = {
    "tangibles": (0.5, 0.6),
    "reliability": (1.2, -0.8),
    "responsiveness": (1.0, -0.5),
    "assurance": (0.8, 0.0),
    "empathy": (0.7, -0.2),
}
COMMENTS = [
    "Fast delivery, friendly staff.",
    "The parcel arrived late and nobody answered my e-mail",
    "Good, but the website is slow",
    '"Next day" took a week',
    "Sehr zufrieden, danke",
]


def definition(templates):
    servqual = next(t for t in templates if t["name"] == "servqual")["definition"]
    questions = list(servqual["questions"])
    last_page = max(q.get("page", 1) for q in questions)
    questions.append({
        "id": "recommend",
        "type": "nps",
        "text": {"en": "How likely are you to recommend us to a friend or colleague?",
                 "de": "Wie wahrscheinlich ist es, dass Sie uns weiterempfehlen?"},
        "page": last_page,
    })
    return {**servqual, "questions": questions}


def scale(values, low, high):
    """Rounded to whole points within low..high, as a nullable integer column."""
    return pd.array(np.clip(np.rint(values), low, high).astype(np.int64), dtype="Int64")


def main():
    templates_path, n, out = sys.argv[1], int(sys.argv[2]), Path(sys.argv[3])
    seed = int(sys.argv[4]) if len(sys.argv) > 4 else 20251206
    started = time.perf_counter()
    rng = np.random.default_rng(seed)
    defn = definition(json.loads(Path(templates_path).read_text(encoding="utf-8")))
    out.mkdir(parents=True, exist_ok=True)
    (out / "definition.json").write_text(json.dumps(defn, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")

    s = rng.normal(0.0, 1.0, n)
    noise = lambda sd: rng.normal(0.0, sd, n)  # noqa: E731
    start = int(pd.Timestamp("2025-01-01T00:00:00Z").timestamp())
    seconds = np.sort(rng.integers(start, start + 365 * 86400, n))
    cols = {
        "response_id": np.arange(1, n + 1),
        "submitted_at": pd.to_datetime(seconds, unit="s", utc=True).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "customer": pd.array(np.where(rng.random(n) < 0.2, None,
                                      np.char.add("c", rng.integers(1, n // 2 + 2, n).astype(str))),
                             dtype="string"),
    }
    for q in defn["questions"]:
        qid = q["id"]
        if q["type"] == "pair":
            weight, shift = DIMENSIONS[q["dimension"]]
            e = scale(5.7 + 0.3 * s + noise(0.8), 1, 7)
            p = scale(5.0 + shift + weight * s + noise(0.8), 1, 7)
            gone = rng.random(n) < 0.05
            e[gone] = pd.NA
            p[gone] = pd.NA
            cols[f"{qid}:expectation"], cols[f"{qid}:perception"] = e, p
        elif q["type"] == "csat":
            cols[qid] = scale(3.7 + 0.9 * s + noise(0.5), 1, 5)  # required: never skipped
        elif q["type"] == "nps":
            v = scale(7.2 + 2.0 * s + noise(1.2), 0, 10)
            v[rng.random(n) < 0.10] = pd.NA
            cols[qid] = v
        elif q["type"] == "text":
            picked = rng.integers(0, len(COMMENTS), n)
            cols[qid] = pd.array(np.where(rng.random(n) < 0.08, np.array(COMMENTS, dtype=object)[picked], None),
                                 dtype="string")
        else:
            raise SystemExit(f"generate.py does not make answers for {q['type']} questions")
    frame = pd.DataFrame(cols)
    frame.to_csv(out / "responses.csv", index=False, na_rep="", lineterminator="\n")
    size = (out / "responses.csv").stat().st_size
    print(f"wrote {n} responses ({size / 1e6:.1f} MB, {frame.shape[1]} columns) to {out} "
          f"in {time.perf_counter() - started:.1f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
