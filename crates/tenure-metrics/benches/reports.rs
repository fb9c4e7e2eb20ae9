//! Timing of the full report set on synthetic data (default 1M customers, ~10M orders):
//! `cargo bench -p tenure-metrics -- [customers]`. A benchmark, not a test: it asserts nothing.
//!
//! The data is a deterministic pseudo-random stream (xorshift), not `tenure generate`'s; the
//! end-to-end comparison with DuckDB and pandas lives in the workspace's `bench/`.

use std::hint::black_box;
use std::time::Instant;

use tenure_metrics::{
    ActivityWindow, CustomerFacts, Date, LifecycleParams, Period, PurchaseColumns, PurchaseColumnsBuilder,
    SegmentParams, cohort_table, lifecycle_stages, retention_report, retention_series, segment_customers,
};

struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// About 10 orders per customer over three years from 2021-01-01, revenue $1–$200.
fn synthetic(customers: u32) -> PurchaseColumns {
    let base = Date::from_ymd(2021, 1, 1).expect("valid date").days();
    let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
    let mut b = PurchaseColumnsBuilder::with_capacity(customers, customers as usize * 10);
    let mut days = Vec::new();
    for c in 0..customers {
        let first = base + rng.below(1000) as i32;
        let orders = 1 + rng.below(19) as usize;
        days.clear();
        days.extend((0..orders).map(|_| first + rng.below(1096 - (first - base) as u64) as i32));
        days.sort_unstable();
        for &d in &days {
            b.push(c, d, 100 + rng.below(19_900) as i64).expect("generated in order");
        }
    }
    b.finish()
}

fn timed<T>(label: &str, f: impl FnOnce() -> T) -> T {
    let start = Instant::now();
    let out = black_box(f());
    println!("{label:<28} {:>9.1} ms", start.elapsed().as_secs_f64() * 1e3);
    out
}

fn main() {
    let customers = std::env::args().filter_map(|a| a.parse().ok()).next().unwrap_or(1_000_000);
    let cols = timed("generate + build columns", || synthetic(customers));
    println!("{} customers, {} orders", cols.n_customers(), cols.n_purchases());
    let d = |s: &str| s.parse::<Date>().expect("valid date");
    let w = ActivityWindow::default();
    let total = Instant::now();
    timed("retention report (1 year)", || {
        retention_report(&cols, d("2022-12-31"), d("2023-12-31"), w).expect("valid period")
    });
    timed("retention series (36 months)", || {
        retention_series(&cols, d("2021-01-01"), d("2023-12-31"), Period::Month, w).expect("valid period")
    });
    timed("cohort table (monthly)", || cohort_table(&cols, Period::Month, d("2023-12-31")));
    timed("cohort table (weekly)", || cohort_table(&cols, Period::Week, d("2023-12-31")));
    let facts = timed("customer facts", || CustomerFacts::as_of(&cols, d("2023-12-31")));
    timed("lifecycle stages", || {
        lifecycle_stages(&cols, &facts, &LifecycleParams::default()).expect("defaults are valid")
    });
    timed("segments", || {
        segment_customers(&facts, &SegmentParams::default()).expect("defaults are valid").report(&facts)
    });
    println!("{:<28} {:>9.1} ms", "all reports", total.elapsed().as_secs_f64() * 1e3);
}
