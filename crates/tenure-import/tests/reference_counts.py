#!/usr/bin/env python3
"""Independent reference figures for the sample exports, for tests/samples.rs.

Written separately from the Rust importers, with only the Python standard library (csv, json,
decimal), straight from the format descriptions in shared/design/FORMATS.md: for each sample it
prints distinct customers, paid orders (paid or partially refunded) and revenue in minor units
(total minus refunds of paid orders) per currency, plus the CDNOW master figures.

Run from the repository root:  python3 crates/tenure-import/tests/reference_counts.py
"""

import csv
import json
import sys
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
SAMPLES = ROOT / "data" / "samples"
CDNOW = ROOT / "data" / "cdnow" / "CDNOW_master.txt"


def cents(text):
    """'£1,234.50' -> 123450 (two-decimal currencies only: every sample is USD)."""
    cleaned = "".join(ch for ch in text if ch.isdigit() or ch in ".-")
    return int((Decimal(cleaned) * 100).to_integral_value(ROUND_HALF_UP))


def read_csv(name):
    with open(SAMPLES / name, newline="", encoding="utf-8-sig") as handle:
        return list(csv.DictReader(handle))


class Tally:
    def __init__(self):
        self.customers = set()
        self.paid_orders = 0
        self.revenue = defaultdict(int)

    def add(self, customer, paid, currency, kept_cents):
        self.customers.add(customer)
        if paid:
            self.paid_orders += 1
            self.revenue[currency] += kept_cents

    def report(self):
        return {"customers": len(self.customers), "paid_orders": self.paid_orders, "revenue": dict(self.revenue)}


def etsy():
    tally = Tally()
    for row in read_csv("EtsySoldOrders.csv"):
        status = row["Status"].strip().lower()
        total = cents(row["Order Total"])
        adjusted = row.get("Adjusted Order Total", "").strip()
        kept = cents(adjusted) if adjusted and cents(adjusted) != 0 else total
        paid = status not in ("canceled", "cancelled", "refunded", "fully refunded", "pending")
        tally.add(row["Buyer User ID"] or row["Buyer"], paid, row["Currency"], kept)
    return tally.report()


def shopify():
    tally = Tally()
    seen = set()
    for row in read_csv("shopify_orders_export.csv"):
        if row["Name"] in seen:
            continue  # later line-item rows of an order already counted
        seen.add(row["Name"])
        email = row["Email"].strip().lower()
        status = row["Financial Status"]
        paid = status in ("paid", "partially_refunded") and not row["Cancelled at"]
        refunded = cents(row["Refunded Amount"]) if row["Refunded Amount"] else 0
        tally.add(email or "guest:" + row["Name"], paid, row["Currency"], cents(row["Total"]) - refunded)
    return tally.report()


def opencart():
    tally = Tally()
    sale_statuses = {"1", "2", "3", "5", "12"}
    for row in read_csv("opencart_oc_order.csv"):
        if row["order_status_id"] == "0":
            continue  # abandoned checkout
        amount = Decimal(row["total"]) * Decimal(row["currency_value"] or "1")
        minor = int((amount * 100).to_integral_value(ROUND_HALF_UP))
        customer = row["customer_id"] if row["customer_id"] != "0" else "email:" + row["email"].strip().lower()
        tally.add(customer, row["order_status_id"] in sale_statuses, row["currency_code"], minor)
    return tally.report()


def woocommerce():
    tally = Tally()
    with open(SAMPLES / "woocommerce_orders.json", encoding="utf-8") as handle:
        orders = json.load(handle)
    for order in orders:
        if order["status"] == "checkout-draft":
            continue
        refunded = sum(abs(cents(refund["total"])) for refund in order.get("refunds", []))
        total = cents(order["total"])
        fully_refunded = refunded > 0 and refunded >= total
        paid = order["status"] in ("completed", "processing") and not fully_refunded
        customer = order["customer_id"] or "email:" + order["billing"]["email"].strip().lower()
        tally.add(str(customer), paid, order["currency"], total - refunded)
    return tally.report()


def cdnow():
    rows = 0
    customers = set()
    total = 0
    with open(CDNOW, encoding="ascii") as handle:
        for line in handle:
            fields = line.split()
            if not fields or fields[0] == "customer_id":
                continue
            rows += 1
            customers.add(int(fields[0]))
            total += cents(fields[3])
    return {"records": rows, "customers": len(customers), "revenue": {"USD": total}}


if __name__ == "__main__":
    figures = {
        "etsy": etsy(),
        "shopify": shopify(),
        "opencart": opencart(),
        "woocommerce": woocommerce(),
        "cdnow": cdnow(),
    }
    json.dump(figures, sys.stdout, indent=1, sort_keys=True)
    print()
