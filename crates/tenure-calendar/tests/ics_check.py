"""Reads an iCalendar feed written by tenure-calendar with the `icalendar` package from PyPI, an
independent parser, and prints what it understood as JSON for the Rust test to compare:
{"name": X-WR-CALNAME, "events": [{uid, sequence, status, summary, description, dtstart}]}.

Checks on the way what a lenient parser would let pass: CRLF line ends, no physical line over 75
octets, VERSION and PRODID on the calendar, UID, DTSTAMP and DTSTART on every event, and no parse
errors recorded by icalendar. Any failure is printed to stderr with exit status 1.

Usage: python ics_check.py FEED.ics
"""

import json
import sys
from datetime import timezone

try:
    from icalendar import Calendar
    from icalendar.parser import unescape_backslash
except ImportError:
    sys.exit("ics_check.py: the `icalendar` package is missing: run scripts/test, which installs it")


def raw_line_problems(raw):
    """Line-level checks on the bytes as written, before any unfolding."""
    problems = []
    if not raw.endswith(b"\r\n"):
        problems.append("the feed does not end with CRLF")
    for number, line in enumerate(raw.split(b"\r\n")[:-1], start=1):
        if len(line) > 75:
            problems.append(f"line {number} is {len(line)} octets: {line[:40]!r}…")
        if b"\r" in line or b"\n" in line:
            problems.append(f"line {number} holds a bare CR or LF: {line[:40]!r}…")
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            problems.append(f"line {number} is not whole UTF-8 (a character split by folding?)")
    return problems


def event_json(event, problems):
    """One VEVENT as plain values; missing required properties are added to `problems`."""
    uid = str(event.get("UID"))
    for name in ("UID", "DTSTAMP", "DTSTART"):
        if name not in event:
            problems.append(f"event {uid} has no {name}")
    start = event.decoded("DTSTART").astimezone(timezone.utc)
    return {
        "uid": uid,
        "sequence": int(event.get("SEQUENCE", 0)),
        "status": str(event.get("STATUS", "")),
        "summary": str(event.get("SUMMARY", "")),
        "description": str(event.get("DESCRIPTION", "")),
        "dtstart": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


def main(path):
    with open(path, "rb") as feed:
        raw = feed.read()
    problems = raw_line_problems(raw)
    calendar = Calendar.from_ical(raw)
    for name in ("VERSION", "PRODID"):
        if name not in calendar:
            problems.append(f"the calendar has no {name}")
    events = [event_json(event, problems) for event in calendar.walk("VEVENT")]
    for component in calendar.walk():
        problems.extend(f"{component.name}: {error}" for error in getattr(component, "errors", []))
    if problems:
        print("\n".join(problems), file=sys.stderr)
        sys.exit(1)
    # icalendar keeps X- properties raw (RFC 7265's "unknown"); RFC 5545 §3.8.8.2 makes their
    # default type TEXT, so the name is unescaped as TEXT.
    name = unescape_backslash(str(calendar.get("X-WR-CALNAME", "")))
    print(json.dumps({"name": name, "events": events}))


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
