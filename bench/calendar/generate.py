#!/usr/bin/env python3
"""Writes an interactions CSV (docs/interactions-csv.md) for bench/calendar/run.sh.

Usage: generate.py CUSTOMERS ROWS OUT [SEED]

The customers are the ones `tenure generate --format csv` writes and `tenure import` stores:
customer N has the e-mail customerN@example.com and, imported into a new database, the Tenure
number N (run.sh checks that before using the file). Each row names its customer in exactly one
way: half by `email`, half by `customer` number.

Shape (seeded; the same arguments give the same bytes):
- times spread evenly over the two years before END (2026-12-01), in time order as a help desk
  or call log exports them, with a few minutes of jitter; three rows in four as
  `YYYY-MM-DD HH:MM:SS` (no offset: read in UTC), one in four as RFC 3339 with `Z`;
- customers: one in five is never contacted (number divisible by 5: those are silent since
  their first purchase); of the rest, 30 % of rows go to a tenth of them (the frequent
  contacts), 70 % uniformly to all;
- channel email 35 %, phone 25 %, chat 15 %, ticket 10 %, WhatsApp 7 %, social 5 %, in person
  3 %; 55 % inbound; inbound rows have a state (closed 60 %, answered 25 %, open 5 %, blank 10 %);
- staff (one of 12) on 70 % of rows, a duration on phone, chat and in-person rows, a subject on
  every row, notes on 30 % (some with commas, hence quoted), an outcome on 20 %;
- an `id` (`T-<row>`) on a third of the rows — but never fewer than ROWS − 900,000: the
  documented reader keeps counts of the rows without an id and refuses a file with more than
  1,000,000 distinct ones, so at 10 M rows 91 % carry an id. The share is printed.
"""

import csv
import datetime as dt
import random
import sys

END = dt.datetime(2026, 12, 1, tzinfo=dt.timezone.utc)
SPAN = 2 * 365 * 86400
MAX_WITHOUT_ID = 900_000

CHANNELS = ["email", "phone", "chat", "ticket", "whatsapp", "social", "in_person"]
CHANNEL_WEIGHTS = [35, 25, 15, 10, 7, 5, 3]
STATES = ["closed", "answered", "open", ""]
STATE_WEIGHTS = [60, 25, 5, 10]
SUBJECTS = [
    "Where is my order?", "Parcel late", "Asked about wholesale prices", "Refund request",
    "Wrong size", "Thank-you call", "New season catalogue", "Loyalty points", "Damaged item",
    "Change of address", "Invoice copy", "Subscription renewal", "Product question",
    "Tasting invitation", "Complaint about delivery", "Review follow-up", "Gift wrapping",
    "Back in stock?", "Payment failed", "Welcome call",
]
NOTES = [
    "Called twice, asked for a refund", "Happy with the replacement", "Wants a call back next week",
    "Prefers e-mail", "Sent the tracking link", "Offered 10 % off the next order",
    "Asked about the oolong, bought two", "No answer, left a message",
]
OUTCOMES = ["Sent a replacement", "Refunded", "No answer", "Resolved", "Escalated", "Order placed"]
STAFF = [f"agent{i}@shop.example" for i in range(1, 13)]


def main() -> None:
    customers, rows, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    rng = random.Random(int(sys.argv[4]) if len(sys.argv) > 4 else 1)
    id_share = max(1 / 3, 1 - MAX_WITHOUT_ID / rows) if rows else 1.0
    contacted = [c for c in range(1, customers + 1) if c % 5 != 0]
    frequent = contacted[:: 10] or contacted
    start = END.timestamp() - SPAN
    step = SPAN / rows if rows else 0
    with_id = 0
    channel_of = rng.choices(CHANNELS, CHANNEL_WEIGHTS, k=1000)
    state_of = rng.choices(STATES, STATE_WEIGHTS, k=1000)
    with open(out, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["id", "occurred_at", "channel", "direction", "customer", "email", "staff",
                    "duration", "subject", "notes", "outcome", "state"])
        r = rng.random
        for i in range(rows):
            at = dt.datetime.fromtimestamp(
                min(start + i * step + r() * 600, END.timestamp() - 1), dt.timezone.utc)
            when = at.strftime("%Y-%m-%dT%H:%M:%SZ") if r() < 0.25 else at.strftime("%Y-%m-%d %H:%M:%S")
            pool = frequent if r() < 0.3 else contacted
            customer = pool[int(r() * len(pool))]
            by_email = r() < 0.5
            channel = channel_of[int(r() * 1000)]
            inbound = r() < 0.55
            duration = ""
            if channel in ("phone", "chat", "in_person"):
                minutes = 1 + int(r() * 40)
                duration = f"0:{minutes:02d}:{int(r() * 60):02d}" if r() < 0.5 else f"{minutes}.5"
            ident = ""
            if r() < id_share:
                ident = f"T-{i + 1}"
                with_id += 1
            w.writerow([
                ident,
                when,
                channel,
                "inbound" if inbound else "outbound",
                "" if by_email else customer,
                f"customer{customer}@example.com" if by_email else "",
                STAFF[int(r() * 12)] if r() < 0.7 else "",
                duration,
                SUBJECTS[int(r() * len(SUBJECTS))],
                NOTES[int(r() * len(NOTES))] if r() < 0.3 else "",
                OUTCOMES[int(r() * len(OUTCOMES))] if r() < 0.2 else "",
                state_of[int(r() * 1000)] if inbound else "",
            ])
    print(f"{rows} rows, {with_id} with an id ({100 * with_id / max(rows, 1):.1f} %), "
          f"{customers - len(contacted)} customers never contacted", file=sys.stderr)


if __name__ == "__main__":
    main()
