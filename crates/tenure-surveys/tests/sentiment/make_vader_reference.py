"""VADER's own compound scores for labelled.tsv, to compare tenure-surveys' scorer with.

Made with (Python 3.11):
    python3 -m venv /tmp/vaderpy && /tmp/vaderpy/bin/pip install vaderSentiment==3.3.2
    /tmp/vaderpy/bin/python crates/tenure-surveys/tests/sentiment/make_vader_reference.py
Writes vader_reference.tsv next to this file: compound TAB text, one line per labelled sentence.
"""

from pathlib import Path

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

HERE = Path(__file__).resolve().parent
analyzer = SentimentIntensityAnalyzer()
lines = []
for line in (HERE / "labelled.tsv").read_text(encoding="utf-8").splitlines():
    if line.startswith("#") or not line.strip():
        continue
    _, text = line.split("\t", 1)
    lines.append(f"{analyzer.polarity_scores(text)['compound']}\t{text}")
(HERE / "vader_reference.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")
